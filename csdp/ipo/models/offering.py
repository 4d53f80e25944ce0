"""A BSE public offering (seed 002) and its timeline (附件1)."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.db.models import Q

from csdp.clock.services import trading_day_offset
from csdp.ipo.errors import IpoError
from csdp.lib.statemachine import Machine, TransitionRefused, TransitionRow


class OfferingStatus(models.TextChoices):
    PREPARING = "preparing", "发行准备"  # recorded from the exchange's notice; T-1 application not yet accepted
    APPLIED = "applied", "已申请登记"  # the T-1 share-registration application was accepted (002 §2.1.1)
    SUBSCRIBING = "subscribing", "申购中"  # T: the exchange's subscription data is being received
    CLEARED = "cleared", "申购已清算"  # T EOD done: 申购清算数据 sent to participants (002 §4.1.1)
    SETTLED = "settled", "资金已交收"  # T+1 EOD done: freeze, invalids, allocation, deduct / unfreeze (§4.1.2–4.1.3)
    PAID = "paid", "认购资金已划付"  # T+2: the lead underwriter paid the issuer (002 §3.2.2)
    REGISTERED = "registered", "股份已登记"  # shares registered; 股份登记数据 sent (002 §2.1.2(四), §4.3)
    LISTED = "listed", "已上市"  # L: the issuer may read the registration result files (§2.1.2(八))
    FAILED = "failed", "发行失败"  # 002 ch. 5
    SUSPENDED = "suspended", "中止发行"  # 002 ch. 5


class OfferingTransitionRefused(TransitionRefused, IpoError):
    code = "ipo.transition_refused"


# The one place that says which changes are allowed. Failure or suspension (002 第五章): either until
# T+1 EOD (§5.1, §5.2); from T+1 EOD until listing only a suspension (§5.3 "中止本次发行").
_STOPPABLE = {OfferingStatus.FAILED, OfferingStatus.SUSPENDED}
OFFERING_MACHINE = Machine(
    OfferingStatus,
    {
        OfferingStatus.PREPARING: {OfferingStatus.APPLIED, OfferingStatus.SUBSCRIBING} | _STOPPABLE,
        OfferingStatus.APPLIED: {OfferingStatus.SUBSCRIBING} | _STOPPABLE,
        OfferingStatus.SUBSCRIBING: {OfferingStatus.CLEARED} | _STOPPABLE,
        OfferingStatus.CLEARED: {OfferingStatus.SETTLED} | _STOPPABLE,
        OfferingStatus.SETTLED: {OfferingStatus.PAID, OfferingStatus.SUSPENDED},
        OfferingStatus.PAID: {OfferingStatus.REGISTERED, OfferingStatus.SUSPENDED},
        OfferingStatus.REGISTERED: {OfferingStatus.LISTED, OfferingStatus.SUSPENDED},
    },
    error=OfferingTransitionRefused,
)
OFFERING_TRANSITIONS = OFFERING_MACHINE.transitions


class OfferingQuerySet(models.QuerySet):
    def visible_to(self, user):
        if not user.is_authenticated:
            return self.none()
        if user.staff_role:
            return self
        if user.institution_id is None:
            return self.none()
        mine = user.institution_id
        # Issuer and lead underwriter see their offering; a participant sees offerings it has clients in.
        return self.filter(
            Q(issuer_id=mine) | Q(underwriter_id=mine) | Q(obligations__participant__institution_id=mine)
        ).distinct()


class Offering(models.Model):
    code = models.CharField("证券代码", max_length=6, unique=True)  # the BSE 920 code (rules.md §5)
    name = models.CharField("证券简称", max_length=40)
    # 挂牌公司公开发行并上市: the NEEQ code switched to ``code`` on L-1 (002 §2.1.2(七)).
    old_code = models.CharField("原新三板代码", max_length=6, blank=True)
    issuer = models.ForeignKey("accounts.Institution", on_delete=models.PROTECT, related_name="offerings_issued")
    underwriter = models.ForeignKey("accounts.Institution", on_delete=models.PROTECT, related_name="offerings_led")
    price_fen = models.BigIntegerField("发行价格（分）")
    initial_online_shares = models.BigIntegerField("网上初始发行数量（股）")
    online_shares = models.BigIntegerField("网上最终发行数量（股）")
    strategic_shares = models.BigIntegerField("战略配售数量（股）", default=0)
    offline_shares = models.BigIntegerField("网下发行数量（股）", default=0)
    greenshoe_limit_shares = models.BigIntegerField("超额配售上限（股）", default=0)
    pre_ipo_shares = models.BigIntegerField("发行前总股本（股）", default=0)
    t_date = models.DateField("申购日 T")
    listing_date = models.DateField("上市日 L")
    # 002 §3.2.1: the lead underwriter reports its 自营结算备付金账户 before T.
    underwriter_account = models.ForeignKey(
        "ledger.LedgerAccount", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    issuer_bank_account = models.ForeignKey(
        "ledger.LedgerAccount", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    status = models.CharField("状态", max_length=16, choices=OfferingStatus.choices, default=OfferingStatus.PREPARING)
    # 002 §2.1.2(七): after the L-1 switch the issuer confirms its result (signed with its key).
    code_switch_confirmed_at = models.DateTimeField("代码切换结果确认时间", null=True, blank=True)
    code_switch_confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    code_switch_signature = models.ForeignKey(
        "keys.Signature", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # 002 §3.2.2: the lead underwriter's T+2 payment of the proceeds, signed with its USB-KEY.
    proceeds_signature = models.ForeignKey(
        "keys.Signature", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = OfferingQuerySet.as_manager()

    class Meta:
        verbose_name = "公开发行"
        ordering = ["-t_date", "code"]
        constraints = [
            models.CheckConstraint(condition=Q(price_fen__gt=0), name="offering_price_positive"),
            models.CheckConstraint(
                condition=Q(online_shares__gt=0, initial_online_shares__gt=0), name="offering_online_positive"
            ),
            models.CheckConstraint(condition=Q(listing_date__gt=models.F("t_date")), name="offering_listing_after_t"),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    def day(self, offset: int) -> dt.date:
        """T±n on the trading calendar."""
        return trading_day_offset(self.t_date, offset)

    @property
    def l_minus_1(self) -> dt.date:
        return trading_day_offset(self.listing_date, -1)

    @property
    def issue_shares(self) -> int:
        return self.online_shares + self.strategic_shares + self.offline_shares


class OfferingTransition(TransitionRow):
    """Append-only (in the database too): one row per status change of an offering."""

    machine = OFFERING_MACHINE
    offering = models.ForeignKey(Offering, on_delete=models.PROTECT, related_name="transitions")

    class Meta:
        ordering = ["at", "id"]
