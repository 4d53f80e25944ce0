from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django import forms

from csdp.accounts.models import Institution
from csdp.accounts.roles import InstitutionKind


def yuan_to_fen(value: str) -> int:
    """'14.04' → 1404, exactly; refuses more than two decimals (money is never a float)."""
    try:
        amount = Decimal(str(value).strip().replace(",", ""))
    except InvalidOperation:
        raise forms.ValidationError("请输入金额（元），最多两位小数。") from None
    if amount <= 0 or amount != amount.quantize(Decimal("0.01")):
        raise forms.ValidationError("金额应大于 0，且最多两位小数。")
    return int(amount * 100)


class AmountForm(forms.Form):
    amount = forms.CharField(label="金额（元）", max_length=20)
    reference = forms.CharField(label="汇款流水号", max_length=40)

    def clean_amount(self) -> int:
        return yuan_to_fen(self.cleaned_data["amount"])


class OfferingForm(forms.Form):
    code = forms.RegexField(
        label="证券代码", regex=r"^920\d{3}$", error_messages={"invalid": "应为 920 开头的 6 位数字。"}
    )
    name = forms.CharField(label="证券简称", max_length=40)
    old_code = forms.RegexField(label="原新三板代码（挂牌公司）", regex=r"^\d{6}$", required=False)
    issuer = forms.ModelChoiceField(label="发行人", queryset=Institution.objects.filter(kind=InstitutionKind.ISSUER))
    underwriter = forms.ModelChoiceField(
        label="主承销商", queryset=Institution.objects.filter(kind=InstitutionKind.UNDERWRITER)
    )
    price = forms.CharField(label="发行价格（元）", max_length=12)
    initial_online_shares = forms.IntegerField(label="网上初始发行数量（股）", min_value=100)
    online_shares = forms.IntegerField(label="网上最终发行数量（股）", min_value=100)
    strategic_shares = forms.IntegerField(label="战略配售数量（股）", min_value=0, initial=0)
    offline_shares = forms.IntegerField(label="网下发行数量（股）", min_value=0, initial=0)
    pre_ipo_shares = forms.IntegerField(label="发行前总股本（股）", min_value=0, initial=0)
    t_date = forms.DateField(label="申购日 T", widget=forms.DateInput(attrs={"type": "date"}))
    listing_date = forms.DateField(label="上市日 L", widget=forms.DateInput(attrs={"type": "date"}))

    def clean_price(self) -> int:
        return yuan_to_fen(self.cleaned_data["price"])


class DeclarationForm(forms.Form):
    """附件5 股票公开发行申购资金不足申报表, one investor per form of the formset."""

    account = forms.RegexField(
        label="证券账户", regex=r"^\d{10}$", error_messages={"invalid": "证券账户应为 10 位数字。"}
    )
    account_name = forms.CharField(label="证券账户名称", max_length=100)
    seq = forms.IntegerField(label="成交号码", min_value=1)
    invalid_shares = forms.IntegerField(label="无效股数（股）", min_value=1)
    reserve_account = forms.CharField(label="备付金账号", max_length=32)
    settlement_account = forms.CharField(label="结算账号", max_length=32)


DeclarationFormSet = forms.formset_factory(DeclarationForm, extra=1, max_num=500, validate_max=True)


class ExchangeFileForm(forms.Form):
    file = forms.FileField(label="申购数据文件（CSV）")


class StopForm(forms.Form):
    """Staff record the exchange's confirmation of a failure or suspension (002 第五章)."""

    kind = forms.ChoiceField(label="类别", choices=[("failed", "发行失败"), ("suspended", "中止发行")])
    confirmed_at = forms.DateTimeField(
        label="北交所确认时间",
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S"],
    )
    reference = forms.CharField(label="确认文件编号", max_length=60)
    reason = forms.CharField(label="原因", max_length=300, widget=forms.Textarea(attrs={"rows": 2}))
