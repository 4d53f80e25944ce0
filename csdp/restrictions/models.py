"""证券权利限制: the records behind the register's pledged and frozen quantities, and 非交易过户.

The register (csdp.register) keeps quantities; these records say which pledge or which court's
freeze a quantity belongs to. They change only together with register events written through
``register_apply`` in the same transaction (csdp.restrictions.services), so that for every
(account, security) the outstanding records equal the register's pledge / judicial-freeze events
(``restrictions_rebuild_check``).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q

from csdp.accounts.access import institution_rows
from csdp.register.models import ShareNature

from csdp.lib.statemachine import STAFF, SYSTEM, USER, Machine, TransitionRow


def _is_staff(user) -> bool:
    return bool(user.is_authenticated and user.staff_role)


def _party_filter(user) -> Q:
    return Q(pledgor_user=user) | Q(pledgee_user=user)


# --- 证券质押登记 -----------------------------------------------------------------------------------


class PledgeStatus(models.TextChoices):
    APPLIED = "applied", "待对方确认"  # one party filed it; the other party confirms under its own login
    CONFIRMED = "confirmed", "待审核"  # both parties signed; staff review it (four-eyes) against the register
    REGISTERED = "registered", "已登记"  # on the register: the pledged quantity is held for the pledgee
    PARTLY_RELEASED = "partly_released", "部分解除"  # some shares released, the rest still pledged
    RELEASED = "released", "已解除"  # every share released; final
    WITHDRAWN = "withdrawn", "已撤回"  # a party withdrew it before registration; final
    REJECTED = "rejected", "已驳回"  # staff refused it with a reason; final


PS = PledgeStatus
PLEDGE_MACHINE = Machine(
    PS,
    {
        PS.APPLIED: {PS.CONFIRMED: {USER}, PS.WITHDRAWN: {USER}, PS.REJECTED: {STAFF}},
        PS.CONFIRMED: {PS.REGISTERED: {STAFF}, PS.WITHDRAWN: {USER}, PS.REJECTED: {STAFF}},
        PS.REGISTERED: {PS.PARTLY_RELEASED: {STAFF}, PS.RELEASED: {STAFF}},
        PS.PARTLY_RELEASED: {PS.PARTLY_RELEASED: {STAFF}, PS.RELEASED: {STAFF}},
    },
)
PLEDGE_OUTSTANDING = frozenset({PS.REGISTERED, PS.PARTLY_RELEASED})  # shares still pledged on the register
PLEDGE_OPEN = frozenset({PS.APPLIED, PS.CONFIRMED})  # not yet decided


class PledgeQuerySet(models.QuerySet):
    def visible_to(self, user):
        if _is_staff(user):
            return self
        return self.filter(_party_filter(user)) if user.is_authenticated else self.none()


class Pledge(models.Model):
    """One 证券质押登记: the application, and once approved the register record (rules.md §9)."""

    number = models.CharField("质押登记编号", max_length=20, unique=True)
    status = models.CharField("状态", max_length=20, choices=PledgeStatus.choices, default=PledgeStatus.APPLIED)
    posting = models.ForeignKey(
        "pledge.Posting", null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name="来源质押信息"
    )
    # the elements (rules.md §9: parties, security, quantity, nature, the principal debt and its term, contract)
    pledgor_user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    pledgor_name = models.CharField("出质人", max_length=200)
    pledgor_account = models.ForeignKey(
        "securities.SecuritiesAccount", on_delete=models.PROTECT, related_name="+", verbose_name="出质人证券账户"
    )
    pledgee_user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    pledgee_name = models.CharField("质权人", max_length=200)
    pledgee_account = models.CharField("质权人账户", max_length=40, blank=True)
    security = models.ForeignKey("securities.Security", on_delete=models.PROTECT, related_name="+")
    share_nature = models.CharField("股份性质", max_length=2, choices=ShareNature.choices)
    lockup_end = models.DateField("限售截止日", null=True, blank=True)
    quantity_shares = models.BigIntegerField("质押数量（股）")
    released_shares = models.BigIntegerField("已解除数量（股）", default=0)
    # 送股 / 转增 on the pledged shares, pledged with them (rules.md §12; csdp.dividend.accrual): released
    # like the rest; ``pledged_shares`` is what the pledge covers in all.
    accrued_shares = models.BigIntegerField("孳息股份（送转股，股）", default=0)
    debt_amount_fen = models.BigIntegerField("主债权金额（分）")
    debt_start = models.DateField("债务履行期起")
    debt_end = models.DateField("债务履行期止")
    contract_number = models.CharField("质押合同编号", max_length=60)
    materials = models.ManyToManyField("uploads.StoredFile", blank=True, related_name="+", verbose_name="申请材料")
    started_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    started_signature = models.ForeignKey(
        "keys.Signature", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    confirmed_signature = models.ForeignKey(
        "keys.Signature", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    confirmed_at = models.DateTimeField(null=True, blank=True)
    approval = models.ForeignKey(
        "approvals.Approval", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )  # the latest four-eyes approval of its registration
    registered_on = models.DateField("登记日期", null=True, blank=True)
    verify_code = models.CharField("验证码", max_length=20, blank=True)  # on the 质押登记证明, checked online
    reason = models.CharField("说明", max_length=500, blank=True)
    created_at = models.DateTimeField()

    objects = PledgeQuerySet.as_manager()

    class Meta:
        verbose_name = "证券质押登记"
        ordering = ["-id"]
        constraints = [
            models.CheckConstraint(condition=Q(quantity_shares__gt=0), name="restr_pledge_quantity_positive"),
            models.CheckConstraint(
                condition=Q(
                    released_shares__gte=0,
                    accrued_shares__gte=0,
                    released_shares__lte=F("quantity_shares") + F("accrued_shares"),
                ),
                name="restr_pledge_released_within",
            ),
            models.CheckConstraint(condition=~Q(pledgor_user=F("pledgee_user")), name="restr_pledge_two_parties"),
            models.UniqueConstraint(
                fields=["verify_code"], condition=~Q(verify_code=""), name="restr_verify_code_unique"
            ),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def pledged_shares(self) -> int:
        """What the pledge covers: the registered quantity and the bonus shares that accrued on it."""
        return self.quantity_shares + self.accrued_shares

    @property
    def unreleased_shares(self) -> int:
        return self.pledged_shares - self.released_shares

    @property
    def outstanding_shares(self) -> int:
        return self.unreleased_shares if self.status in PLEDGE_OUTSTANDING else 0

    def other_party(self, user):
        return self.pledgee_user if user.pk == self.pledgor_user_id else self.pledgor_user


class PledgeTransition(TransitionRow):
    pledge = models.ForeignKey(Pledge, on_delete=models.PROTECT, related_name="transitions")

    class Meta(TransitionRow.Meta):
        verbose_name = "质押登记状态变更"


class ReleaseStatus(models.TextChoices):
    AWAITING_PLEDGEE = "awaiting", "待质权人确认"  # the pledgor filed it; the pledgee must join (jointly)
    SUBMITTED = "submitted", "待审核"  # the pledgee's application (or confirmed): staff review, four-eyes
    RELEASED = "released", "已解除"  # applied on the register; final
    WITHDRAWN = "withdrawn", "已撤回"  # withdrawn by a party; final
    REJECTED = "rejected", "已驳回"  # refused by staff; final


RS = ReleaseStatus
RELEASE_MACHINE = Machine(
    RS,
    {
        RS.AWAITING_PLEDGEE: {RS.SUBMITTED: {USER}, RS.WITHDRAWN: {USER}},
        RS.SUBMITTED: {RS.RELEASED: {STAFF}, RS.REJECTED: {STAFF}, RS.WITHDRAWN: {USER}},
    },
)


class ReleaseQuerySet(models.QuerySet):
    def visible_to(self, user):
        if _is_staff(user):
            return self
        if not user.is_authenticated:
            return self.none()
        return self.filter(Q(pledge__pledgor_user=user) | Q(pledge__pledgee_user=user))


class PledgeRelease(models.Model):
    """解除质押, full or partial: the history of a pledge is its releases (never an edit of the pledge)."""

    pledge = models.ForeignKey(Pledge, on_delete=models.PROTECT, related_name="releases")
    quantity_shares = models.BigIntegerField("解除数量（股）")
    status = models.CharField("状态", max_length=12, choices=ReleaseStatus.choices)
    applied_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    signature = models.ForeignKey("keys.Signature", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    confirmed_signature = models.ForeignKey(
        "keys.Signature", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    approval = models.ForeignKey(
        "approvals.Approval", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    released_on = models.DateField("解除日期", null=True, blank=True)
    reason = models.CharField("说明", max_length=500, blank=True)
    created_at = models.DateTimeField()

    objects = ReleaseQuerySet.as_manager()

    class Meta:
        verbose_name = "解除质押"
        ordering = ["id"]
        constraints = [models.CheckConstraint(condition=Q(quantity_shares__gt=0), name="restr_release_positive")]

    @property
    def full(self) -> bool:
        return self.quantity_shares == self.pledge.unreleased_shares


class ReleaseTransition(TransitionRow):
    release = models.ForeignKey(PledgeRelease, on_delete=models.PROTECT, related_name="transitions")

    class Meta(TransitionRow.Meta):
        verbose_name = "解除质押状态变更"


# --- 司法冻结 ---------------------------------------------------------------------------------------


class FreezeStatus(models.TextChoices):
    WAITING = "waiting", "轮候中"  # recorded; nothing of it is frozen yet (earlier restrictions hold the shares)
    ACTIVE = "active", "冻结中"  # frozen on the register (wholly, or partly with the rest still queued)
    EXPIRED = "expired", "已到期解除"  # the period ended without 续冻; released at that day's end of day; final
    RELEASED = "released", "已解除冻结"  # unfrozen on the court's notice (the last part of it); final
    DEDUCTED = "deducted", "已扣划"  # the court had the last of its frozen shares transferred (司法扣划); final


FS = FreezeStatus
FREEZE_MACHINE = Machine(
    FS,
    {
        # a partial unfreeze or a renewal keeps a waiting freeze waiting
        FS.WAITING: {FS.ACTIVE: {STAFF, SYSTEM}, FS.WAITING: {STAFF}, FS.EXPIRED: {SYSTEM}, FS.RELEASED: {STAFF}},
        FS.ACTIVE: {
            FS.ACTIVE: {STAFF, SYSTEM},
            FS.WAITING: {STAFF},  # a deduction took every frozen share and the court still wants more
            FS.EXPIRED: {SYSTEM},
            FS.RELEASED: {STAFF},
            FS.DEDUCTED: {STAFF},
        },
    },
)
FREEZE_LIVE = frozenset({FS.WAITING, FS.ACTIVE})


class StaffOnlyQuerySet(models.QuerySet):
    def visible_to(self, user):
        return self if _is_staff(user) else self.none()


class Freeze(models.Model):
    """One court's 协助执行通知 on one account's holding of one security. Its queue position is its
    id: a later freeze takes only what earlier live freezes and pledges leave (轮候冻结)."""

    number = models.CharField("冻结编号", max_length=20, unique=True)
    status = models.CharField("状态", max_length=10, choices=FreezeStatus.choices)
    court = models.CharField("执行法院", max_length=100)
    document_number = models.CharField("协助执行通知书文号", max_length=80)
    account = models.ForeignKey("securities.SecuritiesAccount", on_delete=models.PROTECT, related_name="+")
    security = models.ForeignKey("securities.Security", on_delete=models.PROTECT, related_name="+")
    whole_holding = models.BooleanField("冻结全部持有", default=False)
    # A court may name the shares of one nature (and lock-up end): the freeze then takes only that lot.
    share_nature = models.CharField(  # blank: any lot of the holding
        "指定股份性质", max_length=2, blank=True, choices=ShareNature.choices
    )
    lockup_end = models.DateField("指定限售截止日", null=True, blank=True)
    requested_shares = models.BigIntegerField("要求冻结数量（股）")  # as the notice said; never edited
    lifted_shares = models.BigIntegerField("已部分解除数量（股）", default=0)  # 部分解冻 on the court's notices
    deducted_shares = models.BigIntegerField("已扣划数量（股）", default=0)  # 司法扣划 to the court's account
    frozen_shares = models.BigIntegerField("已冻结数量（股）", default=0)  # what it holds on the register now
    # 送股 / 转增 on the frozen shares, frozen with them (孳息随冻结, rules.md §12; csdp.dividend.accrual):
    # they add to the demand, so a release or an expiry lets them go with the rest.
    accrued_shares = models.BigIntegerField("孳息股份（送转股，股）", default=0)
    start_date = models.DateField("冻结起始日")
    end_date = models.DateField("冻结期限至")
    materials = models.ManyToManyField("uploads.StoredFile", blank=True, related_name="+")
    approval = models.ForeignKey("approvals.Approval", on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField()

    objects = StaffOnlyQuerySet.as_manager()

    class Meta:
        verbose_name = "司法冻结"
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(
                    frozen_shares__gte=0,
                    lifted_shares__gte=0,
                    deducted_shares__gte=0,
                    accrued_shares__gte=0,
                    frozen_shares__lte=F("requested_shares")
                    + F("accrued_shares")
                    - F("lifted_shares")
                    - F("deducted_shares"),
                ),
                name="restr_freeze_within_request",
            ),
            models.CheckConstraint(condition=Q(end_date__gte=F("start_date")), name="restr_freeze_period"),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def demand_shares(self) -> int:
        """What the court still has frozen or queued: the notice and the bonus shares accrued on it, less
        what it lifted or deducted."""
        return self.requested_shares + self.accrued_shares - self.lifted_shares - self.deducted_shares

    @property
    def waiting_shares(self) -> int:
        return self.demand_shares - self.frozen_shares if self.status in FREEZE_LIVE else 0

    @property
    def lot(self) -> tuple | None:
        """The (share nature, lock-up end) the court named, or None for the whole holding's lots."""
        return (self.share_nature, self.lockup_end) if self.share_nature else None


class FreezeTransition(TransitionRow):
    freeze = models.ForeignKey(Freeze, on_delete=models.PROTECT, related_name="transitions")

    class Meta(TransitionRow.Meta):
        verbose_name = "司法冻结状态变更"


class Deduction(models.Model):
    """司法扣划: on a court's 协助执行通知书 the frozen shares of a freeze are transferred to the account
    the court names, lot by lot with their nature and lock-up end. Created when the four-eyes approval
    is applied; the freeze's ``deducted_shares`` grows by the same quantity in the same transaction."""

    number = models.CharField("扣划编号", max_length=20, unique=True)
    freeze = models.ForeignKey(Freeze, on_delete=models.PROTECT, related_name="deductions")
    to_account = models.ForeignKey("securities.SecuritiesAccount", on_delete=models.PROTECT, related_name="+")
    quantity_shares = models.BigIntegerField("扣划数量（股）")
    lots = models.JSONField("扣划明细（股份性质、限售截止日、数量）", default=list)
    document_number = models.CharField("扣划通知书文号", max_length=80)
    materials = models.ManyToManyField("uploads.StoredFile", blank=True, related_name="+")
    approval = models.ForeignKey("approvals.Approval", on_delete=models.PROTECT, related_name="+")
    business_date = models.DateField("扣划日期")
    created_at = models.DateTimeField()

    objects = StaffOnlyQuerySet.as_manager()

    class Meta:
        verbose_name = "司法扣划"
        ordering = ["-id"]
        constraints = [models.CheckConstraint(condition=Q(quantity_shares__gt=0), name="restr_deduction_positive")]

    def __str__(self) -> str:
        return self.number


# --- 非交易过户 -------------------------------------------------------------------------------------


class TransferReason(models.TextChoices):
    INHERITANCE = "inheritance", "继承"
    COURT_RULING = "court", "司法裁决"
    DONATION = "donation", "捐赠（向基金会等）"
    OTHER = "other", "其他依法可办理的情形"


class NonTradeTransfer(models.Model):
    """A staff-recorded transfer, approved by four-eyes: created only when applied (the approval
    carries the prepared content until then)."""

    number = models.CharField("过户编号", max_length=20, unique=True)
    reason = models.CharField("过户原因", max_length=12, choices=TransferReason.choices)
    from_account = models.ForeignKey("securities.SecuritiesAccount", on_delete=models.PROTECT, related_name="+")
    to_account = models.ForeignKey("securities.SecuritiesAccount", on_delete=models.PROTECT, related_name="+")
    security = models.ForeignKey("securities.Security", on_delete=models.PROTECT, related_name="+")
    quantity_shares = models.BigIntegerField("过户数量（股）")
    fee_fen = models.BigIntegerField("过户费（分）")
    fee_schedule = models.ForeignKey(
        "fees.FeeSchedule", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # The payer is an investor; the fee is billed to the participant that custodies the applying
    # party's account and collects it from its client (代收, as for other investor-borne fees).
    payer_account = models.ForeignKey(
        "securities.SecuritiesAccount",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name="申请人账户（过户费由其托管参与人代收）",
    )
    fee_notice = models.ForeignKey(
        "fees.PaymentNotice", null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name="付款通知"
    )
    lots = models.JSONField("过户明细（股份性质、限售截止日、数量）", default=list)
    document = models.CharField("依据文件", max_length=200)
    materials = models.ManyToManyField("uploads.StoredFile", blank=True, related_name="+")
    approval = models.ForeignKey("approvals.Approval", on_delete=models.PROTECT, related_name="+")
    business_date = models.DateField("过户日期")
    created_at = models.DateTimeField()

    objects = StaffOnlyQuerySet.as_manager()

    class Meta:
        verbose_name = "非交易过户"
        ordering = ["-id"]
        constraints = [
            models.CheckConstraint(condition=Q(quantity_shares__gt=0), name="restr_transfer_positive"),
            models.CheckConstraint(condition=~Q(from_account=F("to_account")), name="restr_transfer_two_accounts"),
        ]


# --- the participants' daily file -------------------------------------------------------------------


class RestrictionFileQuerySet(models.QuerySet):
    def visible_to(self, user):
        return institution_rows(self, user, "participant")


class RestrictionFile(models.Model):
    """QLBD: one participant's daily file of pledges, releases, freezes and transfers on its clients."""

    participant = models.ForeignKey("securities.ParticipantProfile", on_delete=models.PROTECT, related_name="+")
    business_date = models.DateField()
    file_format = models.CharField(max_length=3)  # dbf / csv
    path = models.CharField(max_length=300)  # relative to settings.CSDP_FILES_DIR
    sha256 = models.CharField(max_length=64)
    rows = models.BigIntegerField()
    created_at = models.DateTimeField(auto_now_add=True)

    objects = RestrictionFileQuerySet.as_manager()

    class Meta:
        ordering = ["-business_date", "file_format"]
        constraints = [
            models.UniqueConstraint(fields=["participant", "business_date", "file_format"], name="restr_file_once")
        ]
