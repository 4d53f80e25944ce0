"""Validation shared by the registration and maintenance forms, with the Chinese messages users see."""

from __future__ import annotations

import re

from django import forms

from csdp.clock.services import business_today
from csdp.issuers.choices import IdType
from csdp.issuers.models.profile import KEY_FIELDS
from csdp.lib.ids import resident_id_problem, uscc_problem

MOBILE_RE = re.compile(r"^1\d{10}$")
MSG_MOBILE = "手机号码应为以 1 开头的 11 位数字。"
MSG_PROVINCE = "省级名称应以“省”“自治区”或“市”结尾，例如：北京市、河北省。"
MSG_CITY = "市级名称应以“市”“州”“盟”或“地区”结尾，例如：北京市、石家庄市。"
MSG_DISTRICT = "区县名称应以“区”“县”“市”或“旗”结尾，例如：海淀区。"
MSG_DETAIL = "请填写详细地址（街道、门牌号等）。"
MSG_ORG_CODE = "组织机构代码应为 9 位（8 位本体代码加 1 位校验码，可写作 XXXXXXXX-X）。"
MSG_ORG_CODE_CHECK = "组织机构代码校验位不正确。"
_ORG_ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
_ORG_WEIGHTS = [3, 7, 9, 10, 5, 8, 4, 2]


def org_code_problem(value: str) -> str | None:
    """GB 11714 组织机构代码: 8 body characters and a MOD 11 check character (0-9 or X)."""
    value = value.replace("-", "").strip().upper()
    if not re.fullmatch(r"[0-9A-Z]{8}[0-9X]", value):
        return MSG_ORG_CODE
    remainder = 11 - sum(_ORG_ALPHABET.index(c) * w for c, w in zip(value[:8], _ORG_WEIGHTS)) % 11
    check = {10: "X", 11: "0"}.get(remainder, str(remainder))
    return None if value[8] == check else MSG_ORG_CODE_CHECK


def make_org_code(body8: str) -> str:
    remainder = 11 - sum(_ORG_ALPHABET.index(c) * w for c, w in zip(body8, _ORG_WEIGHTS)) % 11
    return body8 + {10: "X", 11: "0"}.get(remainder, str(remainder))


def clean_mobile(value: str) -> str:
    value = (value or "").strip()
    if not MOBILE_RE.fullmatch(value):
        raise forms.ValidationError(MSG_MOBILE)
    return value


def clean_id_number(form: forms.Form, type_field: str, number_field: str) -> None:
    """居民身份证 numbers are checked digit by digit (GB 11643); other documents only for presence."""
    id_type = form.cleaned_data.get(type_field)
    number = (form.cleaned_data.get(number_field) or "").strip().upper()
    if id_type == IdType.RESIDENT_ID and number:
        problem = resident_id_problem(number)
        if problem:
            form.add_error(number_field, problem)
            return
    if number:
        form.cleaned_data[number_field] = number


class PostalAddressMixin(forms.Form):
    """经办人通讯地址 as 省 / 市 / 区县 / detail (000 §一(一)7: XX省 XX市 XX区/县 XXXXXX) — the
    USB-KEY is mailed there, so each part is checked."""

    postal_province = forms.CharField(label="省（自治区、直辖市）", max_length=30)
    postal_city = forms.CharField(label="市（州、盟、地区）", max_length=30)
    postal_district = forms.CharField(label="区/县", max_length=30)
    postal_detail = forms.CharField(label="详细地址", max_length=200, required=False)

    def clean_postal_province(self):
        value = self.cleaned_data["postal_province"].strip()
        if not value.endswith(("省", "自治区", "市")):
            raise forms.ValidationError(MSG_PROVINCE)
        return value

    def clean_postal_city(self):
        value = self.cleaned_data["postal_city"].strip()
        if not value.endswith(("市", "州", "盟", "地区")):
            raise forms.ValidationError(MSG_CITY)
        return value

    def clean_postal_district(self):
        value = self.cleaned_data["postal_district"].strip()
        if not value.endswith(("区", "县", "市", "旗")):
            raise forms.ValidationError(MSG_DISTRICT)
        return value

    def clean_postal_detail(self):
        value = (self.cleaned_data.get("postal_detail") or "").strip()
        if not value:
            raise forms.ValidationError(MSG_DETAIL)
        return value


def clean_validity(form: forms.Form, prefix: str, label: str) -> None:
    """代码有效期: a start date and an end date, or 长期有效 with no end date (000 §一(一)6 注意(1))."""
    data = form.cleaned_data
    start, until, long_term = (
        data.get(f"{prefix}_valid_from"),
        data.get(f"{prefix}_valid_until"),
        data.get(f"{prefix}_long_term"),
    )
    if long_term:
        data[f"{prefix}_valid_until"] = None
    elif until is None:
        form.add_error(f"{prefix}_valid_until", f"请填写{label}有效期截止日期，或勾选“长期有效”。")
    elif start and until < start:
        form.add_error(f"{prefix}_valid_until", f"{label}有效期截止日期不能早于起始日期。")
    elif until < business_today():
        form.add_error(f"{prefix}_valid_until", f"{label}已过有效期，请先办理换证。")


def date_field(label: str, required: bool = True) -> forms.DateField:
    return forms.DateField(
        label=label,
        required=required,
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={"invalid": "请输入有效的日期（YYYY-MM-DD）。"},
    )


class InstitutionKeyFieldsForm(forms.Form):
    """The key fields of 本机构信息 — asked at registration and changed only through review."""

    name = forms.CharField(label="机构全称", max_length=200)
    uscc = forms.CharField(label="统一社会信用代码", max_length=18)
    licence_valid_from = date_field("营业执照有效期起")
    licence_valid_until = date_field("营业执照有效期止", required=False)
    licence_long_term = forms.BooleanField(label="营业执照长期有效", required=False)
    three_in_one = forms.BooleanField(label="已完成“三证合一”", required=False)
    org_code = forms.CharField(label="组织机构代码", max_length=10, required=False)
    org_code_valid_from = date_field("组织机构代码证有效期起", required=False)
    org_code_valid_until = date_field("组织机构代码证有效期止", required=False)
    org_code_long_term = forms.BooleanField(label="组织机构代码证长期有效", required=False)
    registered_address = forms.CharField(label="注册地址", max_length=300)
    legal_rep_name = forms.CharField(label="法定代表人", max_length=100)

    def clean_uscc(self):
        value = self.cleaned_data["uscc"].strip().upper()
        problem = uscc_problem(value)
        if problem:
            raise forms.ValidationError(problem)
        return value

    def clean(self):
        data = super().clean()
        clean_validity(self, "licence", "营业执照")
        if data.get("three_in_one"):
            # 000 §一(一)6 注意(1): 三证合一 — no organisation-code certificate is asked for.
            data.update(org_code="", org_code_valid_from=None, org_code_valid_until=None, org_code_long_term=False)
            return data
        code = (data.get("org_code") or "").strip()
        if not code:
            self.add_error("org_code", "未完成“三证合一”的，请填写组织机构代码。")
        else:
            problem = org_code_problem(code)
            if problem:
                self.add_error("org_code", problem)
            else:
                data["org_code"] = code.replace("-", "").upper()
        if not data.get("org_code_valid_from"):
            self.add_error("org_code_valid_from", "请填写组织机构代码证有效期起始日期。")
        clean_validity(self, "org_code", "组织机构代码证")
        return data

    def key_values(self) -> dict:
        return {f: self.cleaned_data.get(f) for f in KEY_FIELDS}
