from django import forms

from csdp.keys.models import KeyModel


class EnrolForm(forms.Form):
    username = forms.CharField(label="用户名", max_length=150)
    password = forms.CharField(label="密码", widget=forms.PasswordInput, max_length=128)
    code = forms.CharField(label="启用验证码", max_length=20, help_text="USB-KEY 制作后发送至经办人手机的启用验证码")


class KeyLoginForm(forms.Form):
    key_signature = forms.CharField(required=False, widget=forms.HiddenInput)
    pin = forms.CharField(label="PIN 码", max_length=16, widget=forms.PasswordInput(attrs={"autocomplete": "off"}))


class SmsCodeForm(forms.Form):
    code = forms.CharField(label="动态口令", max_length=6, min_length=6)


class PinChangeForm(forms.Form):
    old_pin = forms.CharField(
        label="当前 PIN 码", max_length=16, widget=forms.PasswordInput(attrs={"autocomplete": "off"})
    )
    new_pin = forms.CharField(
        label="新 PIN 码", max_length=16, widget=forms.PasswordInput(attrs={"autocomplete": "off"})
    )
    new_pin_again = forms.CharField(
        label="再次输入新 PIN 码", max_length=16, widget=forms.PasswordInput(attrs={"autocomplete": "off"})
    )

    def clean(self):
        data = super().clean()
        if data.get("new_pin") and data.get("new_pin") != data.get("new_pin_again"):
            self.add_error("new_pin_again", "两次输入的新 PIN 码不一致。")
        return data


class KeyIssueForm(forms.Form):
    username = forms.CharField(label="用户名", max_length=150)
    model = forms.ChoiceField(label="型号", choices=KeyModel.choices)


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(choices=[("approve", "审核通过"), ("reject", "驳回")])
    reason = forms.CharField(
        label="审核意见", max_length=1000, required=False, widget=forms.Textarea(attrs={"rows": 3})
    )

    def clean(self):
        data = super().clean()
        if data.get("decision") == "reject" and not data.get("reason", "").strip():
            self.add_error("reason", "驳回时请填写审核意见。")
        return data


class ReasonForm(forms.Form):
    reason = forms.CharField(label="原因", max_length=200)
