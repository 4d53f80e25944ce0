"""The filter of an account's change history page."""
from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError


class ChangesFilterForm(forms.Form):
    security = forms.RegexField(label="证券代码", regex=r"^\d{6}$", max_length=6, required=False,
                                error_messages={"invalid": "证券代码为 6 位数字。"})
    date_from = forms.DateField(label="起始日期", required=False, widget=forms.DateInput(attrs={"type": "date"}),
                                error_messages={"invalid": "请填写有效的日期（YYYY-MM-DD）。"})
    date_to = forms.DateField(label="截止日期", required=False, widget=forms.DateInput(attrs={"type": "date"}),
                              error_messages={"invalid": "请填写有效的日期（YYYY-MM-DD）。"})

    def clean_security(self):
        from csdp.securities.selectors import security_by_code

        code = self.cleaned_data["security"]
        if not code:
            return None
        security = security_by_code(code)
        if security is None:
            raise ValidationError(f"证券代码 {code} 不在证券主数据中。")
        return security

    def clean(self):
        data = super().clean()
        if data.get("date_from") and data.get("date_to") and data["date_from"] > data["date_to"]:
            raise ValidationError("起始日期不能晚于截止日期。")
        return data
