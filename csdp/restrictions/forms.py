from __future__ import annotations

from decimal import Decimal

from django import forms

from csdp.register.models import ShareNature
from csdp.restrictions.models import TransferReason
from csdp.restrictions.services_pledge import PledgeData

R = {"required": "此项为必填项。"}
DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")  # keeps its value on re-render


class PledgeForm(forms.Form):
    role = forms.ChoiceField(label="我方身份", choices=[("pledgor", "出质人"), ("pledgee", "质权人")], error_messages=R)
    counterparty = forms.CharField(label="对方用户名（信息平台登录名）", max_length=150, error_messages=R)
    pledgor_account = forms.RegexField(
        label="出质人证券账户",
        regex=r"^[0-9A-Z]{10}$",
        error_messages={**R, "invalid": "证券账户为 10 位数字或大写字母。"},
    )
    security_code = forms.RegexField(
        label="证券代码", regex=r"^\d{6}$", error_messages={**R, "invalid": "证券代码为 6 位数字。"}
    )
    share_nature = forms.ChoiceField(label="股份性质", choices=ShareNature.choices, initial=ShareNature.UNRESTRICTED)
    lockup_end = forms.DateField(
        label="限售截止日（限售股份填写）",
        required=False,
        widget=DATE,
        error_messages={"invalid": "日期格式为 YYYY-MM-DD。"},
    )
    quantity_shares = forms.IntegerField(
        label="质押数量（股）", min_value=1, error_messages={**R, "min_value": "质押数量须大于 0。"}
    )
    debt_amount = forms.DecimalField(
        label="主债权金额（元）",
        min_value=Decimal("0.01"),
        decimal_places=2,
        max_digits=16,
        error_messages={**R, "min_value": "金额须大于 0。", "max_decimal_places": "金额最多两位小数。"},
    )
    debt_start = forms.DateField(
        label="债务履行期起", widget=DATE, error_messages={**R, "invalid": "日期格式为 YYYY-MM-DD。"}
    )
    debt_end = forms.DateField(
        label="债务履行期止", widget=DATE, error_messages={**R, "invalid": "日期格式为 YYYY-MM-DD。"}
    )
    contract_number = forms.CharField(label="质押合同编号", max_length=60, error_messages=R)
    pledgee_account = forms.CharField(label="质权人账户（选填）", max_length=40, required=False)

    def data_for_service(self, posting_id=None):
        d = self.cleaned_data
        return PledgeData(
            role=d["role"],
            counterparty=d["counterparty"],
            pledgor_account=d["pledgor_account"],
            security_code=d["security_code"],
            share_nature=d["share_nature"],
            lockup_end=d["lockup_end"],
            quantity_shares=d["quantity_shares"],
            debt_amount_fen=int(d["debt_amount"] * 100),
            debt_start=d["debt_start"],
            debt_end=d["debt_end"],
            contract_number=d["contract_number"],
            pledgee_account=d["pledgee_account"],
            posting_id=posting_id,
        )


class ReleaseForm(forms.Form):
    quantity_shares = forms.IntegerField(
        label="解除数量（股）", min_value=1, error_messages={**R, "min_value": "解除数量须大于 0。"}
    )


class ReasonForm(forms.Form):
    reason = forms.CharField(label="原因", max_length=500, required=False)


class FreezeForm(forms.Form):
    court = forms.CharField(label="执行法院", max_length=100, error_messages=R)
    document_number = forms.CharField(label="协助执行通知书文号", max_length=80, error_messages=R)
    account_number = forms.CharField(label="证券账户", max_length=10, error_messages=R)
    security_code = forms.RegexField(
        label="证券代码", regex=r"^\d{6}$", error_messages={**R, "invalid": "证券代码为 6 位数字。"}
    )
    whole_holding = forms.BooleanField(label="冻结全部持有", required=False)
    quantity_shares = forms.IntegerField(
        label="冻结数量（股）", min_value=1, required=False, error_messages={"min_value": "冻结数量须大于 0。"}
    )
    start_date = forms.DateField(
        label="冻结起始日", widget=DATE, error_messages={**R, "invalid": "日期格式为 YYYY-MM-DD。"}
    )
    end_date = forms.DateField(
        label="冻结期限至", widget=DATE, error_messages={**R, "invalid": "日期格式为 YYYY-MM-DD。"}
    )
    share_nature = forms.ChoiceField(
        label="指定股份性质（法院指定时填写）",
        choices=[("", "不指定（该证券的全部持有）"), *ShareNature.choices],
        required=False,
    )
    lockup_end = forms.DateField(
        label="指定限售截止日", widget=DATE, required=False, error_messages={"invalid": "日期格式为 YYYY-MM-DD。"}
    )


class RenewForm(forms.Form):
    end_date = forms.DateField(label="续冻至", widget=DATE, error_messages={**R, "invalid": "日期格式为 YYYY-MM-DD。"})
    document_number = forms.CharField(label="续冻通知书文号", max_length=80, error_messages=R)


class UnfreezeForm(forms.Form):
    document_number = forms.CharField(label="解除冻结通知书文号", max_length=80, error_messages=R)
    quantity_shares = forms.IntegerField(
        label="部分解除数量（股，空：全部解除）",
        min_value=1,
        required=False,
        error_messages={"min_value": "解除数量须大于 0。"},
    )


class DeductForm(forms.Form):
    document_number = forms.CharField(label="扣划协助执行通知书文号", max_length=80, error_messages=R)
    to_account = forms.CharField(label="扣划转入证券账户（法院指定）", max_length=10, error_messages=R)
    quantity_shares = forms.IntegerField(
        label="扣划数量（股）", min_value=1, error_messages={**R, "min_value": "扣划数量须大于 0。"}
    )


class TransferForm(forms.Form):
    reason = forms.ChoiceField(label="过户原因", choices=TransferReason.choices)
    from_account = forms.CharField(label="转出证券账户", max_length=10, error_messages=R)
    to_account = forms.CharField(label="转入证券账户", max_length=10, error_messages=R)
    security_code = forms.RegexField(
        label="证券代码", regex=r"^\d{6}$", error_messages={**R, "invalid": "证券代码为 6 位数字。"}
    )
    quantity_shares = forms.IntegerField(
        label="过户数量（股）", min_value=1, error_messages={**R, "min_value": "过户数量须大于 0。"}
    )
    document = forms.CharField(label="依据文件（公证书、裁定书文号等）", max_length=200, error_messages=R)
    applicant = forms.ChoiceField(
        label="申请人（过户费由其账户的托管参与人代收）", choices=[("to", "过入方"), ("from", "过出方")], initial="to"
    )
