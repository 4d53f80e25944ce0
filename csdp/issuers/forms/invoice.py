"""增值税发票信息 form (000 §二(三)): taxpayer type, securities code, invoice fields entered twice."""

from __future__ import annotations

import re

from django import forms

from csdp.issuers.choices import INVOICE_TYPES_FOR, InvoiceType, TaxpayerType

# (field, label) of the invoice fields that must be entered twice, identically (000 §二(三)3).
DOUBLE_ENTRY = [
    ("title", "名称"),
    ("taxpayer_id", "纳税人识别号"),
    ("address_phone", "地址、电话"),
    ("bank_account", "开户行及账号"),
]


class InvoiceForm(forms.Form):
    taxpayer_type = forms.ChoiceField(label="纳税人类型", choices=TaxpayerType.choices, widget=forms.RadioSelect)
    invoice_type = forms.ChoiceField(label="发票类型", choices=InvoiceType.choices, widget=forms.RadioSelect)
    securities_code = forms.ChoiceField(
        label="证券代码", help_text="发行人仅需填写证券代码，无需填写结算参与人编码、投资者代码等其他代码。"
    )
    title = forms.CharField(label="名称", max_length=200)
    title_again = forms.CharField(label="名称（复核）", max_length=200)
    taxpayer_id = forms.CharField(label="纳税人识别号", max_length=20)
    taxpayer_id_again = forms.CharField(label="纳税人识别号（复核）", max_length=20)
    address_phone = forms.CharField(label="地址、电话", max_length=300)
    address_phone_again = forms.CharField(label="地址、电话（复核）", max_length=300)
    bank_account = forms.CharField(label="开户行及账号", max_length=300)
    bank_account_again = forms.CharField(label="开户行及账号（复核）", max_length=300)
    email = forms.EmailField(
        label="发送电子邮箱",
        required=False,
        help_text="用于接收增值税电子普通发票，请务必准确填写。",
        error_messages={"invalid": "请输入有效的电子邮箱地址。"},
    )

    def __init__(self, *args, codes: list[str], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["securities_code"].choices = [("", "请选择")] + [(c, c) for c in codes]
        self.fields["securities_code"].error_messages["invalid_choice"] = "请选择本机构的证券代码。"

    def clean_taxpayer_id(self):
        value = self.cleaned_data["taxpayer_id"].strip().upper()
        if not re.fullmatch(r"[0-9A-Z]{15}|[0-9A-Z]{18}|[0-9A-Z]{20}", value):
            raise forms.ValidationError("纳税人识别号应为 15、18 或 20 位数字或大写字母。")
        return value

    def clean(self):
        data = super().clean()
        for field, label in DOUBLE_ENTRY:
            first, again = data.get(field), (data.get(f"{field}_again") or "").strip()
            if field == "taxpayer_id":
                again = again.upper()
            if first is not None and again and first.strip() != again:
                self.add_error(f"{field}_again", f"两次填写的“{label}”不一致，请核对后重新填写。")
        taxpayer, invoice = data.get("taxpayer_type"), data.get("invoice_type")
        if taxpayer and invoice and invoice not in INVOICE_TYPES_FOR[taxpayer]:
            # 000 §二(三)1: 非一般纳税人 → 增值税电子普通发票 only.
            self.add_error("invoice_type", "非一般纳税人只能开具增值税电子普通发票。")
        if invoice == InvoiceType.E_ORDINARY and not data.get("email") and "email" not in self.errors:
            self.add_error("email", "开具电子普通发票须填写发送电子邮箱。")
        return data

    def attachment_problems(self, files: dict, three_in_one: bool) -> dict[str, str]:
        """000 §二(三)(4): 税务登记证 (and for a general taxpayer 一般纳税人资格证明); under 三证合一
        the business licence may stand in for them."""
        if three_in_one and "business_licence" in files:
            return {}
        hint = "（已完成“三证合一”的，可上传营业执照代替）" if three_in_one else ""
        problems = {}
        if "tax_registration" not in files:
            problems["tax_registration"] = f"请上传税务登记证{hint}。"
        if self.cleaned_data.get("taxpayer_type") == TaxpayerType.GENERAL and "general_taxpayer" not in files:
            problems["general_taxpayer"] = f"一般纳税人须上传一般纳税人资格证明{hint}。"
        return problems
