"""Server-side forms with Chinese messages. Amounts are entered in yuan and stored in fen."""

from __future__ import annotations

from decimal import Decimal

from django import forms

from csdp.lib.ids import bank_reference_normal
from csdp.fees.models import FeeBase, PayerKind
from csdp.fees.money import yuan_to_fen

YUAN = {"max_digits": 16, "decimal_places": 2, "min_value": Decimal("0")}


def _fen(form, field: str) -> int | None:
    value = form.cleaned_data.get(field)
    return None if value is None else yuan_to_fen(value)


class ScheduleVersionForm(forms.Form):
    code = forms.SlugField(label="收费项目代码", max_length=40, help_text="如 share_registration")
    name = forms.CharField(label="收费项目名称", max_length=60)
    base = forms.ChoiceField(label="计费基数", choices=FeeBase.choices)
    rate = forms.DecimalField(
        label="费率",
        max_digits=18,
        decimal_places=6,
        min_value=Decimal("0"),
        help_text="按股数、按金额：千分之几（‰）；固定金额：元/笔",
    )
    minimum_yuan = forms.DecimalField(label="最低收费（元）", initial=Decimal("0"), **YUAN)
    cap_yuan = forms.DecimalField(label="最高收费（元，可空）", required=False, **YUAN)
    payer = forms.ChoiceField(label="缴费方", choices=PayerKind.choices)
    effective_from = forms.DateField(label="生效日期", widget=forms.DateInput(attrs={"type": "date"}))
    is_example = forms.BooleanField(label="示例费率（未经公开收费标准核实）", required=False, initial=True)
    note = forms.CharField(label="说明", max_length=200, required=False)

    def clean(self):
        data = super().clean()
        cap, minimum = data.get("cap_yuan"), data.get("minimum_yuan")
        if cap is not None and minimum is not None and cap < minimum:
            self.add_error("cap_yuan", "最高收费不能低于最低收费。")
        return data

    def values(self) -> dict:
        data = self.cleaned_data
        return {
            "code": data["code"],
            "name": data["name"],
            "base": data["base"],
            "rate": data["rate"],
            "minimum_fen": _fen(self, "minimum_yuan"),
            "cap_fen": _fen(self, "cap_yuan"),
            "payer": data["payer"],
            "effective_from": data["effective_from"],
            "is_example": data["is_example"],
            "note": data["note"],
        }


class PaymentForm(forms.Form):
    amount_yuan = forms.DecimalField(label="到账金额（元）", max_digits=16, decimal_places=2, min_value=Decimal("0.01"))
    bank_reference = forms.CharField(label="银行流水号", max_length=60)
    received_on = forms.DateField(label="到账日期", widget=forms.DateInput(attrs={"type": "date"}))

    def clean_bank_reference(self):
        return bank_reference_normal(self.cleaned_data["bank_reference"])


class DeclarationForm(PaymentForm):
    """The payer's 付款申报: same fields, worded for the payer."""

    amount_yuan = forms.DecimalField(label="付款金额（元）", max_digits=16, decimal_places=2, min_value=Decimal("0.01"))
    received_on = forms.DateField(label="付款日期", widget=forms.DateInput(attrs={"type": "date"}))


class CancelForm(forms.Form):
    reason = forms.CharField(label="作废原因", max_length=500)
