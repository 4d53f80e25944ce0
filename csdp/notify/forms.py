from __future__ import annotations

from django import forms

from csdp.notify.models import Channel, MessageStatus


class OutboxFilterForm(forms.Form):
    channel = forms.ChoiceField(label="渠道", required=False, choices=[("", "全部"), *Channel.choices])
    status = forms.ChoiceField(label="状态", required=False, choices=[("", "全部"), *MessageStatus.choices])
    purpose = forms.CharField(label="用途", required=False, max_length=50)
    recipient = forms.CharField(label="收件人", required=False, max_length=254)

    def filters(self) -> dict:
        """The valid filters; an invalid field is dropped rather than failing the page."""
        if self.is_valid():
            return {key: value.strip() for key, value in self.cleaned_data.items()}
        return dict.fromkeys(self.fields, "")
