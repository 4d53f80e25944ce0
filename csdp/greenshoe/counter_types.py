"""The special-account application on the virtual counter (002 §3.3; issue 4 §6 plug-in)."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError

from csdp.counter.registry import BusinessTypeSpec, FilingContext, register_business_type
from csdp.counter.services import CounterError
from csdp.greenshoe.accounts import special_account_check, special_account_open
from csdp.greenshoe.errors import GreenshoeError


class SpecialAccountForm(forms.Form):
    """《证券账户开立申请表（机构）》 as a structured form (002 §3.3(一))."""

    account_name = forms.CharField(label="账户名称（主承销公司全称+行使超额配售选择权专用证券账户）", max_length=200)
    ymt_number = forms.RegexField(
        label="一码通账户号码（主承销商自营账户的一码通账户号码）",
        regex=r"^\d{12}$",
        error_messages={"invalid": "一码通账户号码为 12 位数字。"},
    )

    def json_data(self) -> dict:
        return dict(self.cleaned_data)


def validate_special_account(context: FilingContext) -> None:
    try:
        special_account_check(
            underwriter=context.institution,
            name=context.data.get("account_name", ""),
            ymt_number=context.data.get("ymt_number", ""),
        )
    except GreenshoeError as error:
        raise ValidationError(error.message) from None


def special_account_finished(application) -> None:
    """Runs inside the transaction that finishes the counter application: opens the account."""
    data = application.rounds.order_by("-number").first().data  # the round the staff accepted
    try:
        special_account_open(
            underwriter=application.filer_institution,
            name=data.get("account_name", ""),
            ymt_number=data.get("ymt_number", ""),
            actor=None,
            application_id=application.pk,
        )
    except GreenshoeError as error:  # the confirmation is refused and rolled back; the filer sees why
        raise CounterError(error.message) from None


SPECIAL_ACCOUNT = register_business_type(
    BusinessTypeSpec(
        code="33",
        name="超额配售选择权专用账户开立",
        filer_kinds={"underwriter"},
        form_class=SpecialAccountForm,
        validate=validate_special_account,
        on_finished=special_account_finished,
        attachments_required=True,
        guide=(
            "获授权的主承销商使用超额配售募集的资金从二级市场以竞价方式购买股票的，应在买入前申请开立超额配售选择权专用账户，"
            "并提交：1.《证券账户开立申请表（机构）》（名称填写“主承销公司全称+行使超额配售选择权专用证券账户”，一码通账户号码填写"
            "主承销商自营账户的一码通账户号码，加盖公章）；2. 主承销商新版营业执照复印件；3. 经办人所在单位法定代表人有效身份证明文件复印件；"
            "4. 法定代表人对经办人授权委托书；5. 经办人有效身份证明文件及复印件。"
        ),
    )
)
