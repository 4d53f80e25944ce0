"""Hand-off to pledge registration (004 §十七): from a posting in 洽谈中 or 已质押 a party starts a
证券质押登记 application at the virtual counter. The counter type carries both parties' data as a
structured form — rules.md §9: pledgor and pledgee (full name, account), contract number, security
name and code, quantity. When the application is finished the posting becomes 已质押."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError

from csdp.counter.models import BusinessType
from csdp.counter.registry import BusinessTypeSpec, FilingContext, register_business_type
from csdp.counter.services import CounterError, application_draft
from csdp.pledge.models import Posting, Side
from csdp.pledge.models_social import Thread
from csdp.pledge.services import PledgeError
from csdp.pledge.states import PostingStatus

CODE = "41"
HANDOFF_STATES = frozenset({PostingStatus.NEGOTIATING, PostingStatus.PLEDGED})
_REQUIRED = {"required": "此项为必填项。"}


class PledgeRegistrationForm(forms.Form):
    posting_id = forms.IntegerField(label="质押信息编号", min_value=1, error_messages=_REQUIRED)
    pledgor_name = forms.CharField(label="出质人全称", max_length=200, error_messages=_REQUIRED)
    pledgor_account = forms.RegexField(
        label="出质人证券账户",
        regex=r"^[0-9A-Z]{10}$",
        error_messages={**_REQUIRED, "invalid": "证券账户为 10 位数字或大写字母。"},
    )
    pledgee_name = forms.CharField(label="质权人全称", max_length=200, error_messages=_REQUIRED)
    pledgee_account = forms.CharField(label="质权人账户（证券账户或资金账户）", max_length=40, error_messages=_REQUIRED)
    security_code = forms.RegexField(
        label="证券代码", regex=r"^\d{6}$", error_messages={**_REQUIRED, "invalid": "证券代码为 6 位数字。"}
    )
    security_name = forms.CharField(label="证券简称", max_length=40, error_messages=_REQUIRED)
    quantity_shares = forms.IntegerField(
        label="质押数量（股）", min_value=1, error_messages={**_REQUIRED, "min_value": "质押数量须大于 0。"}
    )
    contract_number = forms.CharField(label="主合同/质押合同编号", max_length=60, error_messages=_REQUIRED)

    def json_data(self) -> dict:
        return dict(self.cleaned_data)


def validate_pledge_registration(context: FilingContext) -> None:
    data = context.data
    posting = Posting.objects.select_related("security").filter(pk=data["posting_id"]).first()
    if posting is None or posting.status not in HANDOFF_STATES:
        raise ValidationError("只有“洽谈中”或“已质押”的质押信息可以发起质押登记申请。")
    party = posting.owner_id == context.user.pk or Thread.objects.filter(posting=posting, starter=context.user).exists()
    if not party:
        raise ValidationError("只有该信息的发布人或与其私信洽谈的用户可以发起质押登记申请。")
    if data["security_code"] != context.securities_code:
        raise ValidationError("表单中的证券代码须与申报的证券代码一致。")
    if posting.side == Side.PLEDGOR and (
        data["security_code"] != posting.security_code or data["quantity_shares"] > posting.quantity_shares
    ):
        raise ValidationError("证券代码须与质押信息一致，质押数量不得超过发布数量。")


def finish_pledge_registration(application) -> None:
    """A counter application is documents only: the posting becomes 已质押 when the pledge is on the
    register (csdp.restrictions.services_pledge.apply_pledge), not when paperwork is finished."""
    return None


GUIDE = "\n".join(
    [
        "【证券质押登记】业务指南（由证券质押供需信息平台发起）",
        "表单已按质押信息与洽谈双方的资料预填：出质人、质权人的全称和账户，证券代码和简称，质押数量，合同编号。",
        "请核对后上传经双方签章的质押登记申请材料（1-2 个 ZIP 压缩包或 1 个 PDF）。",
        "本公司按《证券质押登记业务实施细则》办理；办结后，平台上的质押信息自动调整为“已质押”。",
    ]
)

SPEC = register_business_type(
    BusinessTypeSpec(
        code=CODE,
        name="证券质押登记",
        filer_kinds=frozenset({"pledge_user"}),
        form_class=PledgeRegistrationForm,
        validate=validate_pledge_registration,
        on_finished=finish_pledge_registration,
        attachments_required=True,
        guide=GUIDE,
    )
)


def is_party(posting, user) -> bool:
    """The posting's owner, or a user who negotiates with the owner over it in private messages."""
    if posting.owner_id == user.pk:
        return True
    return Thread.objects.filter(posting=posting, starter=user).exists()


def handoff_initial(*, posting, user, thread=None) -> dict:
    """Both parties' data as far as the board knows them; the filer completes the rest."""
    owner = posting.owner.pledge_profile
    other = None
    if thread is not None:
        other_user = thread.starter if thread.recipient_id == posting.owner_id else thread.recipient
        other = getattr(other_user, "pledge_profile", None)
    pledgor, pledgee = (owner, other) if posting.side == Side.PLEDGOR else (other, owner)
    initial = {
        "posting_id": posting.pk,
        "pledgor_name": pledgor.name if pledgor else "",
        "pledgee_name": pledgee.name if pledgee else "",
        "contract_number": "",
    }
    if posting.side == Side.PLEDGOR:
        initial.update(
            pledgor_account=posting.account.number,
            security_code=posting.security_code,
            security_name=posting.security.name,
            quantity_shares=posting.quantity_shares,
        )
    return initial


def pledge_registration_start(*, posting, user, data: dict, files):
    """Create the counter draft (the filer then confirms and signs it at the counter)."""
    if posting.status not in HANDOFF_STATES:
        raise PledgeError("只有“洽谈中”或“已质押”的质押信息可以发起质押登记申请。")
    business_type = BusinessType.objects.filter(code=CODE).first()
    if business_type is None:
        raise PledgeError("证券质押登记业务类型尚未开通。")
    try:
        return application_draft(
            user=user,
            business_type=business_type,
            securities_code=data["security_code"],
            remark=f"由质押信息 #{posting.pk} 发起",
            data=data,
            files=files,
        )
    except CounterError as error:
        raise PledgeError(error.message) from None
