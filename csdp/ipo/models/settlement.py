"""The tables the end-of-day steps read and write. The large ones (subscriptions, outcomes) are
loaded and replaced set-based (PostgreSQL COPY), never row by row through the ORM."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from csdp.accounts.access import institution_rows
from csdp.ipo.engine.shortfall import REASON_DECLARED, REASON_SHORTFALL
from csdp.ipo.models.offering import Offering


def _participant_scope(queryset, user, path: str):
    return institution_rows(queryset, user, path)


# The three bulk tables below are written a million rows at a time by COPY inside a step that holds
# the offering's row lock; a database foreign-key check would fire once per row (most of the load
# time). The reference is kept by the code path instead: db_constraint=False, documented in docs/ipo.md.
# Their primary key is (offering, seq): no surrogate id, no second index to keep up while loading.
# On PostgreSQL ipo_subscription and ipo_settlementresult are partitioned by offering (migration
# 0011; csdp.lib.bulk.partition_replace): each offering's rows are loaded aside and swapped in.
BULK_FK = {"on_delete": models.DO_NOTHING, "related_name": "+", "db_index": False, "db_constraint": False}


class Subscription(models.Model):
    """One order from the exchange's T-day subscription data (format: docs/interfaces.md)."""

    pk = models.CompositePrimaryKey("offering_id", "seq")
    offering = models.ForeignKey(Offering, **BULK_FK)
    seq = models.BigIntegerField("主机确认序号")  # host confirmation sequence: the time priority
    account = models.CharField("证券账户", max_length=10)
    participant = models.CharField("结算参与人代码", max_length=10)
    custody_unit = models.CharField("托管单元", max_length=6)
    quantity_shares = models.BigIntegerField("申购数量（股）")
    price_fen = models.BigIntegerField("申购价格（分）")
    investor_id = models.CharField("证件号码", max_length=30, blank=True)
    confirmed_at = models.DateTimeField("确认时间")


class SubscriptionOutcome(models.Model):
    """T EOD, sparse: only the orders the exchange's validity rules made invalid (rules.md §1), with
    the reason. Every other order of ``ipo_subscription`` is valid, which the selectors derive by a
    join — so T EOD writes the few invalid orders, not a second copy of a million rows."""

    pk = models.CompositePrimaryKey("offering_id", "seq")
    offering = models.ForeignKey(Offering, **BULK_FK)
    seq = models.BigIntegerField()
    participant = models.CharField(max_length=10)
    reason = models.CharField(max_length=12)  # unit / max / cap / duplicate

    class Meta:
        constraints = [models.CheckConstraint(condition=~Q(reason=""), name="outcome_invalid_has_reason")]


class SettlementResult(models.Model):
    """T+1 EOD, sparse: only the orders that were allocated shares or became invalid at T+1
    (declared / shortfall). Every other valid order was frozen in full and unfrozen in full, which
    the selectors derive — so T+1 writes thousands of rows, not millions. Nothing derivable is stored
    (a third fewer bytes to COPY): the participant is the order's (``ipo_subscription``); an order here
    is still valid exactly when it has no reason, and keeps its allocation only then
    (``engine.allocation.kept_shares``); ``csdp.ipo.selectors.settlement_of`` derives both."""

    pk = models.CompositePrimaryKey("offering_id", "seq")
    offering = models.ForeignKey(Offering, **BULK_FK)
    seq = models.BigIntegerField()
    reason = models.CharField(max_length=12, blank=True)  # "" = still valid after the shortfall processing
    allocated_shares = models.BigIntegerField()  # allocation over the exchange-valid orders (rules.md §2)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(allocated_shares__gte=0, reason__in=("", REASON_DECLARED, REASON_SHORTFALL)),
                name="settlement_reason_and_allocation",
            ),
        ]


class ParticipantObligationQuerySet(models.QuerySet):
    def visible_to(self, user):
        return _participant_scope(self, user, "participant")


class ParticipantObligation(models.Model):
    """One clearing participant's money in one offering (002 §4.1)."""

    offering = models.ForeignKey(Offering, on_delete=models.PROTECT, related_name="obligations")
    participant = models.ForeignKey(
        "securities.ParticipantProfile", on_delete=models.PROTECT, related_name="ipo_obligations"
    )
    orders = models.BigIntegerField("有效申购笔数", default=0)
    subscribed_shares = models.BigIntegerField("有效申购数量（股）", default=0)
    subscribed_fen = models.BigIntegerField("应付申购资金（分）", default=0)  # T EOD, 002 §4.1.1
    available_fen = models.BigIntegerField("T+1日终可用资金（分）", null=True, blank=True)
    shortfall_fen = models.BigIntegerField("资金缺口（分）", default=0)
    invalid_orders = models.BigIntegerField("无效申购笔数", default=0)
    invalid_shares = models.BigIntegerField("无效申购数量（股）", default=0)
    frozen_fen = models.BigIntegerField("冻结金额（分）", default=0)
    allocated_shares = models.BigIntegerField("获配数量（股）", default=0)
    deducted_fen = models.BigIntegerField("扣划金额（分）", default=0)
    unfrozen_fen = models.BigIntegerField("解冻金额（分）", default=0)
    hold = models.ForeignKey("ledger.Transfer", null=True, blank=True, on_delete=models.PROTECT, related_name="+")

    objects = ParticipantObligationQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["offering", "participant"], name="obligation_offering_participant"),
            models.CheckConstraint(
                condition=Q(frozen_fen__gte=0, deducted_fen__gte=0, unfrozen_fen__gte=0, shortfall_fen__gte=0),
                name="obligation_amounts_not_negative",
            ),
            models.CheckConstraint(
                condition=Q(deducted_fen__lte=models.F("frozen_fen")), name="obligation_deduct_within_freeze"
            ),
        ]


class ShortfallDeclarationQuerySet(models.QuerySet):
    def visible_to(self, user):
        return _participant_scope(self, user, "participant")


class ShortfallDeclaration(models.Model):
    """附件5 股票公开发行申购资金不足申报表: one row per investor the participant declares short,
    before 15:30 on T+1 (002 §4.1.2(四))."""

    offering = models.ForeignKey(Offering, on_delete=models.PROTECT, related_name="declarations")
    participant = models.ForeignKey("securities.ParticipantProfile", on_delete=models.PROTECT, related_name="+")
    account = models.CharField("证券账户", max_length=10)
    account_name = models.CharField("证券账户名称", max_length=100)
    subscription_code = models.CharField("申购代码", max_length=6)
    security_name = models.CharField("证券简称", max_length=40)
    subscription_date = models.DateField("申购日期")
    reserve_account = models.CharField("备付金账号", max_length=32)
    settlement_account = models.CharField("结算账号", max_length=32)
    seq = models.BigIntegerField("成交号码")  # the host confirmation sequence of the order
    invalid_shares = models.BigIntegerField("无效股数（股）")
    # Null only for declarations made by `csdp ipo simulate` (no person behind them).
    declared_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    declared_at = models.DateTimeField()
    # Withdrawn by the participant before 15:30 (002 §4.1.2(四)): kept for the record, ignored by T+1 EOD.
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    withdrawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    objects = ShortfallDeclarationQuerySet.as_manager()

    @property
    def receipt(self) -> str:
        """The acknowledgement number shown to the participant (page, API): offering code and row id."""
        return f"ZJBZ{self.subscription_code}-{self.pk:08d}"

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["offering", "seq"], name="declaration_offering_seq"),
            models.CheckConstraint(condition=Q(invalid_shares__gt=0), name="declaration_shares_positive"),
        ]


class EodStep(models.TextChoices):
    T_LOAD = "t_load", "T日 接收申购数据"
    T_CLEARING = "t_clearing", "T日日终 申购资金清算"  # 002 §4.1.1
    T_FILES = "t_files", "T日日终 发送申购清算数据"
    T1_SETTLE = "t1_settle", "T+1日日终 冻结、无效处理、配售与交收"  # 002 §4.1.2–4.1.3
    T1_FILES = "t1_files", "T+1日日终 发送冻结、无效、解冻与配售数据"
    REGISTRATION = "registration", "股份登记"  # 002 §2.1.2(四)
    REGISTRATION_FILES = "registration_files", "发送股份登记数据"  # 002 §4.3
    CODE_SWITCH = "code_switch", "代码切换"  # 002 §2.1.2(七), L-1
    LISTING = "listing", "上市"  # 002 §2.1.2(八), L
    STOP_UNFREEZE = "stop_unfreeze", "T+1日日终 解冻中止发行的申购资金"  # 002 §5.2


class EodStepRun(models.Model):
    """One step of one offering: recorded when it completes, so a second run is a no-op and an
    interrupted run (no row, or status running) is simply run again."""

    class Status(models.TextChoices):
        RUNNING = "running", "运行中"  # started, not committed
        DONE = "done", "完成"  # committed with its outputs
        FAILED = "failed", "失败"  # refused or stopped; nothing of it was written; ``error`` says why

    offering = models.ForeignKey(Offering, on_delete=models.PROTECT, related_name="step_runs")
    step = models.CharField(max_length=20, choices=EodStep.choices)
    business_date = models.DateField()
    status = models.CharField(max_length=8, choices=Status.choices)
    rows = models.BigIntegerField(default=0)
    seconds = models.FloatField(default=0)  # elapsed time for the record, not money
    detail = models.JSONField(default=dict, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    error = models.CharField("失败原因", max_length=1000, blank=True)  # Chinese, shown to staff

    class Meta:
        constraints = [models.UniqueConstraint(fields=["offering", "step"], name="eod_step_once")]
        ordering = ["id"]


class ParticipantFileQuerySet(models.QuerySet):
    def visible_to(self, user):
        return _participant_scope(self, user, "participant")


class ParticipantFile(models.Model):
    """A data file produced for one participant (layouts: docs/interfaces.md)."""

    offering = models.ForeignKey(Offering, on_delete=models.PROTECT, related_name="files")
    participant = models.ForeignKey("securities.ParticipantProfile", on_delete=models.PROTECT, related_name="+")
    file_type = models.CharField(max_length=12)  # csdp/ipo/eod/layouts.py
    file_format = models.CharField(max_length=3)  # dbf / csv
    path = models.CharField(max_length=300)  # relative to settings.CSDP_FILES_DIR
    sha256 = models.CharField(max_length=64)
    rows = models.BigIntegerField()
    business_date = models.DateField()
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ParticipantFileQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["offering", "participant", "file_type", "file_format"], name="participant_file_once"
            )
        ]
        ordering = ["business_date", "file_type", "file_format"]
