"""The filter of an account's change history page."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError

from csdp.securities.models import Security
from csdp.securities.selectors import security_by_code


class ChangesFilterForm(forms.Form):
    security = forms.RegexField(
        label="证券代码",
        regex=r"^\d{6}$",
        max_length=6,
        required=False,
        error_messages={"invalid": "证券代码为 6 位数字。"},
    )
    date_from = forms.DateField(
        label="起始日期",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={"invalid": "请填写有效的日期（YYYY-MM-DD）。"},
    )
    date_to = forms.DateField(
        label="截止日期",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={"invalid": "请填写有效的日期（YYYY-MM-DD）。"},
    )

    def clean_security(self) -> Security | None:
        code = self.cleaned_data["security"]
        if not code:
            return None
        security = security_by_code(code)
        if security is None:
            raise ValidationError(f"证券代码 {code} 不在证券主数据中。")
        return security

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        if data.get("date_from") and data.get("date_to") and data["date_from"] > data["date_to"]:
            raise ValidationError("起始日期不能晚于截止日期。")
        return data


class HolderSearchForm(forms.Form):
    q = forms.CharField(label="证券账户（前缀）或持有人名称", max_length=60, required=False)
    after = forms.RegexField(regex=r"^[0-9A-Z]{1,10}$", required=False, widget=forms.HiddenInput)  # account number


class RosterQueryForm(forms.Form):
    """信息查询: 证券持有人名册 (as of a day's end, full or top N) or 持股变动 (between two days)."""

    kind = forms.ChoiceField(label="查询类型", choices=[("holders", "证券持有人名册"), ("changes", "持股变动")])
    code = forms.RegexField(
        label="证券代码",
        regex=r"^\d{6}$",
        max_length=6,
        error_messages={"required": "请填写证券代码。", "invalid": "证券代码为 6 位数字。"},
    )
    as_of = forms.DateField(
        label="查询日期（日终）/截止日期",
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={"required": "请填写查询日期。", "invalid": "请填写有效的日期（YYYY-MM-DD）。"},
    )
    date_from = forms.DateField(
        label="起始日期（持股变动）",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={"invalid": "请填写有效的日期（YYYY-MM-DD）。"},
    )
    top = forms.IntegerField(
        label="前 N 名（空：全部）",
        required=False,
        min_value=1,
        max_value=1_000_000,
        error_messages={"min_value": "前 N 名应为正整数。"},
    )
    file_format = forms.ChoiceField(label="格式", choices=[("xlsx", "Excel"), ("dbf", "DBF")])

    def clean_code(self) -> Security:
        code = self.cleaned_data["code"]
        security = security_by_code(code)
        if security is None:
            raise ValidationError(f"证券代码 {code} 不在证券登记簿的证券信息中。")
        return security
