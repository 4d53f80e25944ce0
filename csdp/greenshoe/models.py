"""Greenshoe (超额配售选择权, seed 002 §2.2, §3.3): the option of an offering, the deferred-delivery
agreements, the lead underwriter's special account and the two kinds of filing that deliver shares."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from csdp.greenshoe.errors import GreenshoeError
from csdp.lib.statemachine import Machine, TransitionRefused, TransitionRow

SPECIAL_ACCOUNT_SUFFIX = "行使超额配售选择权专用证券账户"  # 002 §3.3(一)


def _staff(user) -> bool:
    return bool(user.is_authenticated and user.staff_role)


class OptionQuerySet(models.QuerySet):
    def visible_to(self, user):
        if not user.is_authenticated:
            return self.none()
        if user.staff_role:
            return self
        if user.institution_id is None:
            return self.none()
        return self.filter(Q(offering__issuer_id=user.institution_id) | Q(offering__underwriter_id=user.institution_id))


class GreenshoeOption(models.Model):
    offering = models.OneToOneField("ipo.Offering", on_delete=models.PROTECT, related_name="greenshoe")
    # rules.md §4: up to 15 % of the initial issue by default; staff may set another limit.
    limit_shares = models.BigIntegerField("超额配售股数上限（股）")
    exercise_end = models.DateField("超额配售选择权行使期届满日")
    # 002 §2.2.2: the lead underwriter may file earlier once its purchases reach the limit.
    limit_reached_on = models.DateField("累计购买达到限额日", null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = OptionQuerySet.as_manager()

    class Meta:
        verbose_name = "超额配售选择权"
        constraints = [models.CheckConstraint(condition=Q(limit_shares__gt=0), name="greenshoe_limit_positive")]

    def __str__(self) -> str:
        return f"{self.offering} 超额配售选择权"


class AgreementQuerySet(models.QuerySet):
    def visible_to(self, user):
        return self.filter(option__in=GreenshoeOption.objects.visible_to(user))


class DeferredDeliveryAgreement(models.Model):
    """延期交付股票协议 between the lead underwriter and one investor (002 §2.2.1(三), §2.2.2(三))."""

    option = models.ForeignKey(GreenshoeOption, on_delete=models.PROTECT, related_name="agreements")
    account = models.ForeignKey(
        "securities.SecuritiesAccount", verbose_name="投资者证券账户", on_delete=models.PROTECT, related_name="+"
    )
    shares = models.BigIntegerField("延期交付股数（股）")
    underwriter = models.ForeignKey(
        "accounts.Institution", verbose_name="主承销商", on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = AgreementQuerySet.as_manager()

    class Meta:
        verbose_name = "延期交付股票协议"
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(condition=Q(shares__gt=0), name="greenshoe_agreement_shares_positive"),
            models.UniqueConstraint(fields=["option", "account"], name="greenshoe_agreement_one_per_account"),
        ]


class SpecialAccountQuerySet(models.QuerySet):
    def visible_to(self, user):
        if _staff(user):
            return self
        if not user.is_authenticated or user.institution_id is None:
            return self.none()
        return self.filter(underwriter_id=user.institution_id)


class SpecialAccount(models.Model):
    """超额配售选择权专用账户 (002 §3.3): a securities account of the lead underwriter, opened through the
    virtual counter before it buys on the market, under the 一码通 number of its proprietary account."""

    underwriter = models.OneToOneField(
        "accounts.Institution", on_delete=models.PROTECT, related_name="greenshoe_account"
    )
    account = models.OneToOneField("securities.SecuritiesAccount", on_delete=models.PROTECT, related_name="+")
    name = models.CharField("账户名称", max_length=200)
    ymt_number = models.CharField("一码通账户号码", max_length=12)
    application_id = models.BigIntegerField("虚拟柜台申请", null=True, blank=True)
    opened_at = models.DateTimeField()

    objects = SpecialAccountQuerySet.as_manager()

    class Meta:
        verbose_name = "超额配售选择权专用账户"


class FilingKind(models.TextChoices):
    ISSUANCE = "issuance", "增发股份登记（DJ）"  # 002 §2.2.1, 附件3: the issuer issues new shares
    TRANSFER = "transfer", "过户登记（CSPLW）"  # 002 §2.2.2, 附件4: market purchases delivered by non-trade transfer


class FilingStatus(models.TextChoices):
    VALIDATED = "validated", "已校验，待签名提交"  # every row passed the checks; the filer has not signed yet
    SUBMITTED = "submitted", "待审核"  # signed with the filer's USB-KEY; waiting for depository staff
    REGISTERED = "registered", "已登记"  # staff approved; the register events are written
    REJECTED = "rejected", "已退回"  # staff refused it with a reason; nothing was registered
    REPLACED = "replaced", "已被替换"  # never signed; the next upload of the same kind took its place (kept, final)


class FilingTransitionRefused(TransitionRefused, GreenshoeError):
    code = "greenshoe.transition_refused"


# The one place that says which changes are allowed.
FILING_MACHINE = Machine(
    FilingStatus,
    {
        FilingStatus.VALIDATED: {FilingStatus.SUBMITTED, FilingStatus.REPLACED},  # replaced by the next upload
        FilingStatus.SUBMITTED: {FilingStatus.REGISTERED, FilingStatus.REJECTED},
    },
    error=FilingTransitionRefused,
)
FILING_TRANSITIONS = FILING_MACHINE.transitions
# Count against the limit and the agreements (a validated one holds its shares until replaced).
OPEN_STATUSES = (FilingStatus.VALIDATED, FilingStatus.SUBMITTED, FilingStatus.REGISTERED)


class FilingQuerySet(models.QuerySet):
    def visible_to(self, user):
        # The issuer files DJ, the lead underwriter CSPLW; each sees both kinds of its offering.
        return self.filter(option__in=GreenshoeOption.objects.visible_to(user))


class GreenshoeFiling(models.Model):
    option = models.ForeignKey(GreenshoeOption, on_delete=models.PROTECT, related_name="filings")
    kind = models.CharField("类型", max_length=10, choices=FilingKind.choices)
    status = models.CharField("状态", max_length=12, choices=FilingStatus.choices, default=FilingStatus.VALIDATED)
    source = models.ForeignKey(
        "uploads.StoredFile", verbose_name="电子数据文件", on_delete=models.PROTECT, related_name="+"
    )
    rows = models.IntegerField("明细行数")
    total_shares = models.BigIntegerField("股数合计（股）")
    filed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    filed_at = models.DateTimeField()
    signature = models.ForeignKey("keys.Signature", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    fee_notice = models.ForeignKey(
        "fees.PaymentNotice", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reason = models.CharField("审核意见", max_length=200, blank=True)

    objects = FilingQuerySet.as_manager()

    class Meta:
        verbose_name = "超额配售登记申报"
        ordering = ["-filed_at", "-id"]
        constraints = [models.CheckConstraint(condition=Q(total_shares__gt=0), name="greenshoe_filing_shares_positive")]

    def __str__(self) -> str:
        return f"{self.option.offering.code} {self.get_kind_display()} #{self.pk}"


class FilingRow(models.Model):
    filing = models.ForeignKey(GreenshoeFiling, on_delete=models.CASCADE, related_name="details")
    line = models.IntegerField("行号")
    account = models.ForeignKey("securities.SecuritiesAccount", on_delete=models.PROTECT, related_name="+")
    shares = models.BigIntegerField("股数（股）")
    custody_unit = models.CharField("托管单元", max_length=6, blank=True)  # whose participant file the row goes to

    class Meta:
        ordering = ["line"]
        constraints = [models.CheckConstraint(condition=Q(shares__gt=0), name="greenshoe_row_shares_positive")]


class FilingTransition(TransitionRow):
    """Append-only (in the database too): one row per status change of a filing."""

    machine = FILING_MACHINE
    filing = models.ForeignKey(GreenshoeFiling, on_delete=models.PROTECT, related_name="transitions")

    class Meta:
        ordering = ["at", "id"]
