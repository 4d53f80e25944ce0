"""Forms of 经办人信息维护 and 本机构信息维护 (000 §二(一)(二))."""

from __future__ import annotations

import re

from django import forms

from csdp.accounts.models import Institution
from csdp.issuers.choices import IdType
from csdp.issuers.forms.fields import InstitutionKeyFieldsForm, PostalAddressMixin, clean_id_number, clean_mobile


class AgentForm(PostalAddressMixin):
    display_name = forms.CharField(label="经办人姓名", max_length=100)
    agent_id_type = forms.ChoiceField(label="证件类型", choices=IdType.choices)
    agent_id_number = forms.CharField(label="证件号码", max_length=40)
    mobile = forms.CharField(
        label="手机号码", max_length=20, help_text="接收手机验证码及找回密码。修改后将短信通知原号码。"
    )
    email = forms.EmailField(label="电子邮箱", error_messages={"invalid": "请输入有效的电子邮箱地址。"})

    field_order = [
        "display_name",
        "agent_id_type",
        "agent_id_number",
        "mobile",
        "email",
        "postal_province",
        "postal_city",
        "postal_district",
        "postal_detail",
    ]

    def clean_mobile(self):
        return clean_mobile(self.cleaned_data.get("mobile"))

    def clean(self):
        data = super().clean()
        clean_id_number(self, "agent_id_type", "agent_id_number")
        return data


class NonKeyForm(forms.Form):
    """Non-key fields: effective at once, no review (000 §二(二) 修改非关键信息无需本公司审核)."""

    english_name = forms.CharField(label="英文名称", max_length=200, required=False)
    office_address = forms.CharField(label="办公地址", max_length=300, required=False)
    postcode = forms.CharField(label="邮政编码", max_length=6, required=False)
    phone = forms.CharField(label="联系电话", max_length=30, required=False)
    fax = forms.CharField(label="传真", max_length=30, required=False)
    website = forms.CharField(label="公司网址", max_length=200, required=False)

    def clean_postcode(self):
        value = (self.cleaned_data.get("postcode") or "").strip()
        if value and not re.fullmatch(r"\d{6}", value):
            raise forms.ValidationError("邮政编码应为 6 位数字。")
        return value

    def clean_phone(self):
        value = (self.cleaned_data.get("phone") or "").strip()
        if value and not re.fullmatch(r"[\d\-+() ]{7,30}", value):
            raise forms.ValidationError("联系电话只能包含数字、空格及 - + ( )。")
        return value


class KeyChangeForm(InstitutionKeyFieldsForm):
    """Key fields: materials and review, effective the day after approval (000 §二(二))."""

    def __init__(self, *args, institution: Institution, **kwargs):
        super().__init__(*args, **kwargs)
        self.institution = institution

    def clean_uscc(self):
        value = super().clean_uscc()
        if Institution.objects.filter(uscc=value).exclude(pk=self.institution.pk).exists():
            raise forms.ValidationError("该统一社会信用代码已被其他机构使用。")
        return value
