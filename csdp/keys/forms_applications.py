"""The application forms: text fields by kind, and one upload per required material."""

from __future__ import annotations

from django import forms

from csdp.keys.applications import MATERIALS, RECOVERY_KINDS
from csdp.keys.models import KeyApplicationKind as Kind
from csdp.lib.ids import uscc_problem
from csdp.uploads.forms import UploadField

MOBILE_HELP = "11 位手机号码"


class _ApplicationForm(forms.Form):
    applicant_name = forms.CharField(label="经办人姓名", max_length=100)
    applicant_mobile = forms.RegexField(
        label="经办人手机号码",
        regex=r"^1\d{10}$",
        help_text=MOBILE_HELP,
        error_messages={"invalid": "请输入 11 位手机号码。"},
    )
    note = forms.CharField(label="说明", max_length=1000, required=False, widget=forms.Textarea(attrs={"rows": 3}))


def application_form(kind: str, *, user=None, data=None, files=None) -> forms.Form:
    initial = {}
    if user is not None:
        initial = {"applicant_name": user.display_name, "applicant_mobile": user.mobile}
    form = _ApplicationForm(data=data, files=files, initial=initial)
    if kind in (Kind.RENEWAL, Kind.REISSUE):
        form.fields["postal_address"] = forms.CharField(
            label="USB-KEY 寄送地址",
            max_length=300,
            help_text="格式：XX省 XX市 XX区/县 详细地址；补办时须与经办人信息中的通讯地址一致。",
        )
    if kind in RECOVERY_KINDS:
        form.fields["claimed_uscc"] = forms.CharField(label="统一社会信用代码", max_length=18, min_length=18)
        form.fields["securities_code"] = forms.RegexField(
            label="证券代码", regex=r"^\d{6}$", required=False, error_messages={"invalid": "证券代码为 6 位数字。"}
        )
    for slot, label in MATERIALS[kind]:
        form.fields[slot] = UploadField(
            kind="scan", label=label, help_text="加盖公章后的彩色扫描件（PDF、PNG 或 JPEG）"
        )
    original_clean = form.clean

    def clean():
        cleaned = original_clean()
        uscc = cleaned.get("claimed_uscc")
        problem = uscc_problem(uscc.strip().upper()) if uscc else None
        if problem:
            form.add_error("claimed_uscc", problem)
        return cleaned

    form.clean = clean
    return form
