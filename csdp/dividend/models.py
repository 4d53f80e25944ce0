"""权益分派 (rules.md §12): a distribution, its funding, its entitlements and the steps of its end of day.

The register and the ledger stay the truth for shares and money; these tables record what the
distribution decided (entitlements at R, per-participant payments and their holds, held cash) so
that each end-of-day step can be resumed and its files rebuilt byte for byte.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.functions import Trim, Upper

from csdp.accounts.access import institution_rows

from csdp.lib.statemachine import STAFF, SYSTEM, Machine, TransitionRow


def _is_staff(user) -> bool:
    return bool(user.is_authenticated and user.staff_role)


class Status(models.TextChoices):
    SCHEDULED = "scheduled", "已排期"  # approved (four-eyes); waits for its record date
    ENTITLED = "entitled", "已计算权益"  # R's end of day: register snapshot and entitlements recorded
    PAID = "paid", "已派发"  # pay date: cash paid (or not proceeding), participants' files written
    COMPLETED = "completed", "已完成"  # list date: bonus shares registered, issued capital grown, result file
    WITHDRAWN = "withdrawn", "已撤销"  # withdrawn before R (four-eyes); funding returned to the issuer


MACHINE = Machine(
    Status,
    {
        Status.SCHEDULED: {Status.ENTITLED: {SYSTEM}, Status.WITHDRAWN: {STAFF}},
        Status.ENTITLED: {Status.PAID: {SYSTEM}},
        Status.PAID: {Status.COMPLETED: {SYSTEM}},
    },
)
ACTIVE = (Status.SCHEDULED, Status.ENTITLED, Status.PAID)


class CashStatus(models.TextChoices):
    NONE = "none", "无现金红利"  # the plan has no cash part
    AWAITING = "awaiting", "待委托代派资金"  # before the funding deadline
    FUNDED = "funded", "资金已足额到位"  # fully funded by the deadline: cash proceeds
    SHORT = "short", "资金不足，现金红利不实施"  # not fully funded by the deadline: funding returned
    PAID = "paid", "已派发"
    WITHDRAWN = "withdrawn", "随分派撤销"


class Method(models.TextChoices):
    PRECISE = "precise", "精确算法"
    TRUNCATE = "truncate", "截尾"


class DistributionQuerySet(models.QuerySet):
    def visible_to(self, user):
        if _is_staff(user):
            return self
        if user.is_authenticated and user.institution_id:
            return self.filter(issuer_id=user.institution_id)
        return self.none()


class Distribution(models.Model):
    security = models.ForeignKey(
        "securities.Security", verbose_name="证券", on_delete=models.PROTECT, related_name="distributions"
    )
    issuer = models.ForeignKey(
        "accounts.Institution", verbose_name="发行人", on_delete=models.PROTECT, related_name="distributions"
    )
    application_id = models.BigIntegerField("虚拟柜台申请", null=True, blank=True, unique=True)
    # rates per 10 shares in millionths (engine/rates.py): exact integers, never floats
    cash_micro = models.BigIntegerField("每10股派现金（百万分之一元）", default=0)
    bonus_micro = models.BigIntegerField("每10股送股（百万分之一股）", default=0)
    transfer_micro = models.BigIntegerField("每10股转增（百万分之一股）", default=0)
    method = models.CharField("尾数处理", max_length=10, choices=Method.choices, default=Method.PRECISE)
    seed = models.BigIntegerField("尾数分配随机种子")  # recorded with the run: the same seed, the same result
    record_date = models.DateField("股权登记日")
    ex_date = models.DateField("除权除息日")
    pay_date = models.DateField("派息日")
    list_date = models.DateField("红股上市日")
    funding_deadline = models.DateField("代派资金截止日")
    status = models.CharField("状态", max_length=12, choices=Status.choices, default=Status.SCHEDULED)
    cash_status = models.CharField("现金红利", max_length=10, choices=CashStatus.choices, default=CashStatus.AWAITING)
    cash_note = models.CharField("现金红利说明", max_length=300, blank=True)  # told to the issuer
    funding_account = models.ForeignKey(
        "ledger.LedgerAccount", on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    # results of R's end of day
    holders = models.BigIntegerField("持有人数", default=0)
    total_quantity = models.BigIntegerField("登记日总股本（股）", default=0)
    cash_declared_fen = models.BigIntegerField("应派现金总额（分）", default=0)
    cash_total_fen = models.BigIntegerField("实派现金总额（分）", default=0)
    bonus_total = models.BigIntegerField("送转股总数（股）", default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = DistributionQuerySet.as_manager()

    class Meta:
        verbose_name = "权益分派"
        ordering = ["-record_date", "-pk"]

    def __str__(self) -> str:
        return f"{self.security.code} 权益分派（登记日 {self.record_date}）"

    @property
    def has_cash(self) -> bool:
        return self.cash_micro > 0

    @property
    def has_shares(self) -> bool:
        return self.bonus_micro + self.transfer_micro > 0


class DistributionTransition(TransitionRow):
    distribution = models.ForeignKey(Distribution, on_delete=models.PROTECT, related_name="transitions")


# ledger transfer codes of a distribution's funding account: money in (confirmed), money back to the issuer
CODE_FUNDING, CODE_REFUND = "dividend.fund", "dividend.refund"


class FundingStatus(models.TextChoices):
    DECLARED = "declared", "待确认"  # recorded (issuer, or an operator from the bank statement); no money moved
    CONFIRMED = "confirmed", "已到账"  # a different staff user confirmed the receipt: the ledger transfer is posted
    REJECTED = "rejected", "已驳回"  # staff found no such receipt (reason in the history); no money moved
    LAPSED = "lapsed", "逾期未确认"  # still unconfirmed when the deadline was judged or the plan withdrawn


# Money from outside is credited only once the depository confirms it against its bank, and never by the
# person who recorded it (four-eyes; services refuse the same person, the database too).
FUNDING_MACHINE = Machine(
    FundingStatus,
    {
        FundingStatus.DECLARED: {
            FundingStatus.CONFIRMED: {STAFF},
            FundingStatus.REJECTED: {STAFF},
            FundingStatus.LAPSED: {SYSTEM},
        },
    },
)


class FundingQuerySet(models.QuerySet):
    def visible_to(self, user):
        if _is_staff(user):
            return self
        if user.is_authenticated and user.institution_id:
            return self.filter(distribution__issuer_id=user.institution_id)
        return self.none()


class Funding(models.Model):
    """One payment of the issuer into the distribution's funding account, by bank reference (idempotent):
    declared first (no money moves), then confirmed by a different staff user (the ledger transfer)."""

    distribution = models.ForeignKey(Distribution, on_delete=models.PROTECT, related_name="fundings")
    bank_reference = models.CharField("银行流水号", max_length=40, unique=True)
    amount_fen = models.BigIntegerField("金额（分）")
    status = models.CharField("状态", max_length=10, choices=FundingStatus.choices, default=FundingStatus.DECLARED)
    declared_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    declared_at = models.DateTimeField("登记时间")
    # set together on confirmation (the database checks it): who, when, the bank's value date, the transfer
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    confirmed_at = models.DateTimeField("确认时间", null=True, blank=True)
    value_date = models.DateField("到账日期", null=True, blank=True)
    transfer = models.ForeignKey("ledger.Transfer", on_delete=models.PROTECT, related_name="+", null=True, blank=True)

    objects = FundingQuerySet.as_manager()

    class Meta:
        verbose_name = "委托代派资金"
        ordering = ["pk"]
        constraints = [
            models.CheckConstraint(condition=Q(amount_fen__gt=0), name="dividend_funding_positive"),
            # money has moved exactly when the funding is confirmed
            models.CheckConstraint(
                condition=Q(status=FundingStatus.CONFIRMED, transfer__isnull=False, value_date__isnull=False)
                | (~Q(status=FundingStatus.CONFIRMED) & Q(transfer__isnull=True)),
                name="dividend_funding_posted_iff_confirmed",
            ),
            models.CheckConstraint(
                condition=~Q(confirmed_by=models.F("declared_by")), name="dividend_funding_four_eyes"
            ),
            # stored in its one spelling (funding.bank_reference_normal), so the unique column above is
            # the idempotency by bank reference: a write in lower case or with spaces around is refused
            models.CheckConstraint(
                condition=Q(bank_reference=Upper(Trim("bank_reference"))) & ~Q(bank_reference=""),
                name="dividend_funding_reference_normal",
            ),
        ]

    def __str__(self) -> str:
        return f"委托代派资金 {self.bank_reference}"


class FundingTransition(TransitionRow):
    machine = FUNDING_MACHINE
    funding = models.ForeignKey(Funding, on_delete=models.PROTECT, related_name="transitions")


class Entitlement(models.Model):
    """One lot of one account at R's end of day and what it is entitled to. Keyed by (distribution, seq):
    no surrogate id to draw per row. On PostgreSQL the table is partitioned by distribution (migration
    0005): R's rows are loaded into a fresh partition with no index, indexed by one sort and attached
    (csdp.lib.bulk.partition_replace, as the IPO's subscription book)."""

    pk = models.CompositePrimaryKey("distribution_id", "seq")
    distribution_id = models.BigIntegerField()
    seq = models.BigIntegerField()  # the lot's row in R's snapshot, in (account, nature, lock-up end) order
    account_id = models.BigIntegerField()
    participant_id = models.BigIntegerField(null=True)  # the custodian's institution at R (托管单元 → 结算参与人)
    # The account's 托管单元 at R: the participant paid for the lot (ParticipantPayment, from
    # participant_id) is the one whose files list it, even if the account moves custodian before 派息日.
    custody_unit_id = models.BigIntegerField(null=True)
    # The account's number (a number never changes): the files name it without joining every account.
    account_number = models.CharField(max_length=10, default="")
    share_nature = models.CharField(max_length=2)
    lockup_end = models.DateField(null=True)
    quantity = models.BigIntegerField()
    frozen = models.BigIntegerField()
    pledged = models.BigIntegerField()
    cash_fen = models.BigIntegerField()
    held_fen = models.BigIntegerField()  # of cash_fen: on frozen shares, held (孳息随冻结)
    bonus_shares = models.BigIntegerField()
    bonus_frozen = models.BigIntegerField()
    bonus_pledged = models.BigIntegerField()

    class Meta:
        verbose_name = "权益明细"


class ParticipantPayment(models.Model):
    """Per custodian participant: the cash its accounts are paid, through one hold (R) posted on 派息日."""

    distribution = models.ForeignKey(Distribution, on_delete=models.PROTECT, related_name="payments")
    participant = models.ForeignKey("accounts.Institution", on_delete=models.PROTECT, related_name="+")
    accounts = models.BigIntegerField("账户数")
    cash_fen = models.BigIntegerField("应派（分）")
    paid_fen = models.BigIntegerField("实派（分）", default=0)
    hold = models.ForeignKey("ledger.Transfer", on_delete=models.PROTECT, related_name="+", null=True)

    class Meta:
        verbose_name = "结算参与人派息"
        ordering = ["participant_id"]
        constraints = [models.UniqueConstraint(fields=["distribution", "participant"], name="dividend_payment_once")]


class HeldReason(models.TextChoices):
    FROZEN_AT_RECORD = "frozen", "登记日冻结股份的现金红利（孳息随冻结）"
    FROZEN_AFTER_RECORD = "frozen_later", "登记日后至派息日新增冻结（孳息随冻结）"
    ACCOUNT_CLOSED = "closed", "证券账户已注销"
    NO_PARTICIPANT = "no_custodian", "证券账户无托管结算参与人"


class HeldCash(models.Model):
    """Cash not paid out on 派息日, per account and reason, kept in the held account until released."""

    distribution = models.ForeignKey(Distribution, on_delete=models.PROTECT, related_name="held")
    account_id = models.BigIntegerField()
    amount_fen = models.BigIntegerField()
    reason = models.CharField(max_length=14, choices=HeldReason.choices)
    # 孳息随冻结 ends with the freeze: paid to the account's custodian participant (release.py)
    released_on = models.DateField("解除暂不派发日期", null=True, blank=True)
    released_to = models.ForeignKey(
        "accounts.Institution", verbose_name="派发至结算参与人", on_delete=models.PROTECT, related_name="+", null=True
    )
    released_transfer = models.ForeignKey("ledger.Transfer", on_delete=models.PROTECT, related_name="+", null=True)

    class Meta:
        verbose_name = "暂不派发现金红利"
        ordering = ["pk"]
        constraints = [
            models.UniqueConstraint(fields=["distribution", "account_id", "reason"], name="dividend_held_once")
        ]


class ClosedAccountBonus(models.Model):
    """Bonus shares registered on their list date to an account closed since R (per account): they stay
    the holder's (registered on the account, closed_accounts.py) and are reported to the issuer (QYJG ZXSL), the
    custodian participant (QYZC) and staff (the distribution page) as awaiting the holder's claim."""

    distribution = models.ForeignKey(Distribution, on_delete=models.PROTECT, related_name="closed_bonus")
    account_id = models.BigIntegerField()
    participant_id = models.BigIntegerField(null=True)
    shares = models.BigIntegerField("送转股（股）")

    class Meta:
        verbose_name = "已注销账户的送转股"
        ordering = ["account_id"]
        constraints = [
            models.UniqueConstraint(fields=["distribution", "account_id"], name="dividend_closed_bonus_once")
        ]


class AccrualKind(models.TextChoices):
    FREEZE = "freeze", "司法冻结"
    PLEDGE = "pledge", "证券质押"


class Accrual(models.Model):
    """Bonus shares registered frozen or pledged on the list date, and the court freeze or pledge they
    accrued to (accrual.py): the record's ``accrued_shares`` grew by ``shares`` in the same transaction.
    One row per distribution and record, so a rerun adds nothing; ``token`` names the part that wrote it."""

    # No database foreign key: the rows are written by the list date's parts on their own connections while
    # the runner holds the distribution's row FOR UPDATE; a deferred key check at a part's commit would wait
    # for the runner, which waits for the part. The part's distribution exists (the runner locked it).
    distribution = models.ForeignKey(
        Distribution, on_delete=models.PROTECT, related_name="accruals", db_constraint=False
    )
    kind = models.CharField(max_length=10, choices=AccrualKind.choices)
    record_id = models.BigIntegerField()  # restrictions.Freeze or restrictions.Pledge, by ``kind``
    account_id = models.BigIntegerField()
    shares = models.BigIntegerField("孳息股份（股）")
    token = models.CharField(max_length=32)

    class Meta:
        verbose_name = "送转股随冻结、质押"
        ordering = ["pk"]
        # the list date's gating: did this account's (lot's) bonus accrue? (steps_bonus.bonus_source)
        indexes = [models.Index(fields=["distribution", "kind", "account_id"], name="dividend_accrual_account")]
        constraints = [
            models.UniqueConstraint(fields=["distribution", "kind", "record_id"], name="dividend_accrual_once"),
            models.CheckConstraint(condition=models.Q(shares__gt=0), name="dividend_accrual_positive"),
        ]


class StepName(models.TextChoices):
    """The end-of-day steps (runner.STEPS), in their order, with the names users read."""

    FUNDING = "funding", "代派资金到位检查"  # the funding deadline's end of day
    ENTITLE = "entitle", "股权登记日权益计算"  # R's end of day
    PAY = "pay", "派息"  # 派息日: cash to the participants, their files
    REGISTER = "register", "送转股登记"  # 红股上市日: bonus shares on the register, the issuer's result


class Step(models.Model):
    """A finished end-of-day step of a distribution: a step with its row is done and is not run again."""

    distribution = models.ForeignKey(Distribution, on_delete=models.PROTECT, related_name="steps")
    name = models.CharField(max_length=20)
    business_date = models.DateField()
    rows = models.BigIntegerField(default=0)
    seconds = models.FloatField(default=0)  # a measurement for the staff page, not money
    detail = models.JSONField(default=dict)
    done_at = models.DateTimeField()

    class Meta:
        ordering = ["pk"]
        constraints = [models.UniqueConstraint(fields=["distribution", "name"], name="dividend_step_once")]

    @property
    def label(self) -> str:
        # a mapping, not the field's choices: choices on ``name`` would be a migration for a label
        return StepName(self.name).label if self.name in StepName.values else self.name


class FileType(models.TextChoices):
    QYMX = "QYMX", "权益分派明细"  # 派息日
    QYHZ = "QYHZ", "权益分派汇总"  # 派息日
    QYZC = "QYZC", "已注销账户送转股明细"  # 红股上市日, to the participants concerned


class DividendFileQuerySet(models.QuerySet):
    def visible_to(self, user):
        return institution_rows(self, user, "participant")


class DividendFile(models.Model):
    """A file of a distribution published to one custodian participant (QYMX, QYHZ, QYZC; layouts in
    docs/interfaces.md §7), recorded in the step's transaction that wrote it (files.files_record), as
    the IPO's ParticipantFile, the register's HoldingChangeFile and the restrictions' RestrictionFile."""

    distribution = models.ForeignKey(Distribution, on_delete=models.PROTECT, related_name="files")
    participant = models.ForeignKey("securities.ParticipantProfile", on_delete=models.PROTECT, related_name="+")
    file_type = models.CharField("文件类型", max_length=4, choices=FileType.choices)
    file_format = models.CharField("格式", max_length=3)  # dbf / csv
    path = models.CharField(max_length=300)  # relative to settings.CSDP_FILES_DIR
    sha256 = models.CharField(max_length=64)
    rows = models.BigIntegerField("记录数")
    business_date = models.DateField("业务日期")
    created_at = models.DateTimeField(auto_now_add=True)

    objects = DividendFileQuerySet.as_manager()

    class Meta:
        verbose_name = "权益分派数据文件"
        ordering = ["-business_date", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["distribution", "participant", "file_type", "file_format"], name="dividend_file_once"
            )
        ]
