"""The share register: an append-only log of registration events and the positions it implies.

RegistrationEvent is the truth; Position is a running total maintained in the same transaction by
the services (like the ledger's account totals), checked by the database, and re-derivable from the
log with ``register_rebuild_check``. The database refuses UPDATE and DELETE of events (migration 0002).
"""

from __future__ import annotations

from typing import Any

from django.db import models
from django.db.models import F, Q

from csdp.accounts.access import institution_rows


def _is_staff(user: Any) -> bool:
    return bool(user.is_authenticated and user.staff_role)


class ShareNature(models.TextChoices):
    # rules.md §8 股份性质 (C2). "00" for unrestricted shares is our choice (assumption), 05/06 as Shenzhen.
    UNRESTRICTED = "00", "无限售流通股"
    RESTRICTED_PERSON = "05", "限售流通股（个人）"
    RESTRICTED_INSTITUTION = "06", "限售流通股（机构）"


RESTRICTED = {ShareNature.RESTRICTED_PERSON, ShareNature.RESTRICTED_INSTITUTION}


class EventType(models.TextChoices):
    INITIAL = "initial", "股份初始登记"
    IPO_ALLOCATION = "ipo_allocation", "网上发行配售"  # seed 002 §4
    REMAINDER = "remainder", "余股登记"  # seed 002 §2.1.2: unsubscribed shares to the lead underwriter
    STRATEGIC = "strategic", "战略配售"
    OFFLINE = "offline", "网下发行"
    NON_TRADE_TRANSFER = "non_trade", "非交易过户"  # seed 002 §2.2.3 (greenshoe delivery)
    CODE_SWITCH_OUT = "switch_out", "代码转换转出"  # seed 002 ch. 2, L-1: NEEQ code → BSE code
    CODE_SWITCH_IN = "switch_in", "代码转换转入"
    FREEZE = "freeze", "司法冻结"
    UNFREEZE = "unfreeze", "解除冻结"
    PLEDGE = "pledge", "质押登记"
    PLEDGE_RELEASE = "pledge_release", "解除质押"
    CANCELLATION = "cancellation", "注销"  # seed 002 ch. 5: shares cancelled after a failed issue
    # Shares given as settlement collateral (交收担保品) are locked like a freeze — the frozen quantity
    # counts every lock — so pledge and transfer checks exclude them (seed 004 §十).
    COLLATERAL = "collateral", "交收担保品冻结"
    COLLATERAL_RELEASE = "coll_release", "交收担保品解除"
    # rules.md §12: 送股 / 转增 credited on the bonus shares' listing date, to the lot they accrue on.
    BONUS = "bonus", "送转股登记"
    RESTRICT = "restrict", "股份限售登记"  # seed 002 §2.1.2(四)2: pre-IPO shares of the lock-up list, 00 → 05/06
    RELEASE = "release", "股份解除限售登记"  # rules.md §11: 05/06 → 00 on the release date (counter type 03)
    NEW_SHARES = "new_shares", "新增股份登记"  # rules.md §11: e.g. a private placement (counter type 02)


# Events that create or cancel shares: the security's issued capital moves with them, in the same
# transaction (csdp.register.capital). Every other event moves shares between lots and nets to zero.
ISSUING = frozenset(
    {
        EventType.INITIAL.value,
        EventType.IPO_ALLOCATION.value,
        EventType.REMAINDER.value,
        EventType.STRATEGIC.value,
        EventType.OFFLINE.value,
        EventType.CANCELLATION.value,
        EventType.NEW_SHARES.value,
        EventType.BONUS.value,
    }
)


class RegistrationEventQuerySet(models.QuerySet["RegistrationEvent"]):
    def visible_to(self, user: Any) -> RegistrationEventQuerySet:
        return self if _is_staff(user) else self.none()


class RegistrationEvent(models.Model):
    id = models.BigAutoField(primary_key=True)
    # db_index=False: the composite indexes below lead with these columns; fewer indexes, faster EOD COPY.
    # db_constraint=False: no per-row foreign-key check (PostgreSQL runs one query per row and key at
    # commit: 25 s for a million bonus events). Every event's lot has a position, whose own foreign keys
    # hold its account and security, and positions are never deleted (migration 0015's trigger); the
    # writers refuse an unknown account or security up front, `register_check` reports orphans
    # (docs/architecture.md, "The register").
    security = models.ForeignKey(
        "securities.Security",
        on_delete=models.PROTECT,
        related_name="registration_events",
        db_index=False,
        db_constraint=False,
    )
    account = models.ForeignKey(
        "securities.SecuritiesAccount",
        on_delete=models.PROTECT,
        related_name="registration_events",
        db_index=False,
        db_constraint=False,
    )
    share_nature = models.CharField(
        "股份性质", max_length=2, choices=ShareNature.choices, default=ShareNature.UNRESTRICTED
    )
    lockup_end = models.DateField("限售截止日", null=True, blank=True)
    event_type = models.CharField("变动类型", max_length=16, choices=EventType.choices)
    quantity_delta = models.BigIntegerField("持有数量变动（股）", default=0)
    frozen_delta = models.BigIntegerField("冻结数量变动（股）", default=0)
    pledged_delta = models.BigIntegerField("质押数量变动（股）", default=0)
    business_date = models.DateField("业务日期")
    key = models.CharField("幂等键", max_length=100)  # unique: see Meta (a constraint adds no LIKE index)
    batch = models.CharField("批次", max_length=60, blank=True)  # provenance of a bulk write
    memo = models.CharField("摘要", max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = RegistrationEventQuerySet.as_manager()

    class Meta:
        verbose_name = "登记变动记录"
        ordering = ["id"]
        # One index besides the key: an account's history of a security (pledgeable_quantity, statements).
        # Each extra index costs the end-of-day COPY of millions of events.
        indexes = [models.Index(fields=["account", "security", "business_date"])]
        constraints = [
            models.UniqueConstraint(fields=["key"], name="registration_event_key_unique"),
            models.CheckConstraint(
                condition=(Q(share_nature=ShareNature.UNRESTRICTED) & Q(lockup_end__isnull=True))
                | (
                    Q(share_nature__in=[ShareNature.RESTRICTED_PERSON, ShareNature.RESTRICTED_INSTITUTION])
                    & Q(lockup_end__isnull=False)
                ),
                name="event_lockup_iff_restricted",
            ),
            models.CheckConstraint(
                condition=~Q(quantity_delta=0, frozen_delta=0, pledged_delta=0), name="event_changes_something"
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.get_event_type_display()} {self.quantity_delta}"


class PositionQuerySet(models.QuerySet["Position"]):
    def visible_to(self, user: Any) -> PositionQuerySet:
        return self if _is_staff(user) else self.none()


class Position(models.Model):
    account = models.ForeignKey("securities.SecuritiesAccount", on_delete=models.PROTECT, related_name="positions")
    # db_index=False: the (security, account) index below serves every lookup by security and the
    # paginated list of a security's holders (keyset on account) — one index, as before.
    security = models.ForeignKey(
        "securities.Security", on_delete=models.PROTECT, related_name="positions", db_index=False
    )
    share_nature = models.CharField("股份性质", max_length=2, choices=ShareNature.choices)
    lockup_end = models.DateField("限售截止日", null=True, blank=True)
    quantity = models.BigIntegerField("持有数量（股）", default=0)
    frozen = models.BigIntegerField("冻结数量（股）", default=0)  # every lock: 司法冻结 and 交收担保品 alike
    pledged = models.BigIntegerField("质押数量（股）", default=0)
    updated_at = models.DateTimeField(auto_now=True)

    objects = PositionQuerySet.as_manager()

    class Meta:
        verbose_name = "持有明细"
        ordering = ["account_id", "security_id", "share_nature", "lockup_end"]
        indexes = [models.Index(fields=["security", "account"], name="position_security_account")]
        constraints = [
            # Unrestricted lots have no lock-up date; NULLs must not make two rows of one lot.
            models.UniqueConstraint(
                fields=["account", "security", "share_nature"],
                condition=Q(lockup_end__isnull=True),
                name="position_unrestricted_unique",
            ),
            models.UniqueConstraint(
                fields=["account", "security", "share_nature", "lockup_end"],
                condition=Q(lockup_end__isnull=False),
                name="position_restricted_unique",
            ),
            models.CheckConstraint(condition=Q(quantity__gte=0), name="position_quantity_not_negative"),
            models.CheckConstraint(
                condition=Q(frozen__gte=0, pledged__gte=0), name="position_encumbrance_not_negative"
            ),
            models.CheckConstraint(
                condition=Q(quantity__gte=F("frozen") + F("pledged")), name="position_encumbrance_within_quantity"
            ),
        ]

    @property
    def available(self) -> int:
        return self.quantity - self.frozen - self.pledged


class HoldingChangeFileQuerySet(models.QuerySet["HoldingChangeFile"]):
    def visible_to(self, user: Any) -> HoldingChangeFileQuerySet:
        return institution_rows(self, user, "participant")


class HoldingChangeFile(models.Model):
    """GFBD 持股变动数据: what an issuer business changed in one custodian participant's clients'
    holdings (csdp.register.holding_files; layout in docs/interfaces.md)."""

    participant = models.ForeignKey("securities.ParticipantProfile", on_delete=models.PROTECT, related_name="+")
    security = models.ForeignKey("securities.Security", on_delete=models.PROTECT, related_name="+")
    business = models.CharField("业务代码", max_length=2)
    reference = models.CharField("业务编号", max_length=40)  # the approval's key: one business, one set of files
    file_format = models.CharField(max_length=3)  # dbf / csv
    path = models.CharField(max_length=300)  # relative to settings.CSDP_FILES_DIR
    sha256 = models.CharField(max_length=64)
    rows = models.BigIntegerField()
    business_date = models.DateField()
    created_at = models.DateTimeField(auto_now_add=True)

    objects = HoldingChangeFileQuerySet.as_manager()

    class Meta:
        verbose_name = "持股变动数据文件"
        ordering = ["-business_date", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["reference", "participant", "file_format"], name="holding_change_file_once")
        ]


class RosterQueryQuerySet(models.QuerySet["RosterQuery"]):
    def visible_to(self, user: Any) -> RosterQueryQuerySet:
        if not user.is_authenticated:
            return self.none()
        if user.staff_role:
            return self
        return self.filter(institution_id=user.institution_id) if user.institution_id else self.none()


class RosterQuery(models.Model):
    """Who asked for which 持有人名册 or 持股变动 and when (rules.md §11): the record kept of every
    delivery, the issuer's own and staff's alike. Append-only by use: written once per download."""

    class Kind(models.TextChoices):
        HOLDERS = "holders", "证券持有人名册"  # as of the end of a day, full or top N
        CHANGES = "changes", "持股变动"  # the events between two days

    kind = models.CharField("查询类型", max_length=10, choices=Kind.choices)
    security = models.ForeignKey("securities.Security", on_delete=models.PROTECT, related_name="+")
    as_of = models.DateField("查询日期")
    date_from = models.DateField("起始日期", null=True, blank=True)
    top = models.PositiveIntegerField("前 N 名", null=True, blank=True)
    file_format = models.CharField("格式", max_length=4)  # xlsx / dbf / json / csv
    rows = models.BigIntegerField("记录数")
    sha256 = models.CharField(max_length=64, blank=True)
    asked_by = models.ForeignKey("accounts.User", null=True, on_delete=models.PROTECT, related_name="+")
    institution = models.ForeignKey(
        "accounts.Institution", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    asked_at = models.DateTimeField("查询时间")

    objects = RosterQueryQuerySet.as_manager()

    class Meta:
        verbose_name = "名册查询记录"
        ordering = ["-asked_at", "-id"]


class RosterSnapshot(models.Model):
    """A 持有人名册 kept as of the end of a day, with its holders' names joined in (csdp.register
    .roster_snapshot): the list of a nearby day is this one plus or minus the events in between, so
    a million holders need not be joined and sorted again for every request.

    What it holds is exact by construction: the lots are the sum of the lineage's events with
    business_date ≤ ``as_of`` and id ≤ ``watermark`` (every event with a lower id was committed when
    the watermark was read). An event written later, back-dated or not, has a higher id and is added
    by the reader, so nothing invalidates a snapshot. Built once per (security, day), in one
    transaction with its lots: never half there."""

    security = models.ForeignKey("securities.Security", on_delete=models.PROTECT, related_name="+")
    as_of = models.DateField("名册日期")
    watermark = models.BigIntegerField("已计入的最大登记变动记录号")
    lineage = models.CharField("计入的证券", max_length=200)  # the security ids summed (code switches), "12,7"
    names_at = models.DateTimeField("名称读取时间")  # investors updated since are re-read by the reader
    holders = models.BigIntegerField("持有人数")
    lots = models.BigIntegerField("持有明细数")
    total_quantity = models.BigIntegerField("持有合计（股）")
    issued_capital = models.BigIntegerField("登记股本（股）")
    seconds = models.FloatField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "持有人名册快照"
        ordering = ["security_id", "-as_of"]
        constraints = [models.UniqueConstraint(fields=["security", "as_of"], name="roster_snapshot_once")]


class RosterSnapshotLot(models.Model):
    """One lot of a snapshot, in the list's order (``ordinal``: the largest accounts first, then each
    account's lots by nature and lock-up end), with the account's number, the holder's name and ID and
    the command's CSV line as they were when the snapshot was taken. Written by one INSERT … SELECT;
    no foreign-key check per row (the snapshot and the accounts are never deleted under it)."""

    pk = models.CompositePrimaryKey("snapshot_id", "ordinal")
    snapshot = models.ForeignKey(
        RosterSnapshot, on_delete=models.DO_NOTHING, related_name="+", db_index=False, db_constraint=False
    )
    ordinal = models.BigIntegerField()
    account_id = models.BigIntegerField()
    held = models.BigIntegerField()  # the account's quantity over all its lots: the list's order
    first = models.BooleanField()  # the account's first lot in the list (counts the holders)
    number = models.CharField(max_length=10)
    name = models.CharField(max_length=200)
    id_type = models.CharField(max_length=12)
    id_number = models.CharField(max_length=30)
    share_nature = models.CharField(max_length=2)
    lockup_key = models.DateField()  # the lock-up end; 9999-12-31 for an unrestricted lot (joins need a value)
    quantity = models.BigIntegerField()
    frozen = models.BigIntegerField()
    pledged = models.BigIntegerField()
    line = models.TextField(blank=True)  # the command's CSV line (PostgreSQL; empty elsewhere)

    class Meta:
        indexes = [models.Index(fields=["snapshot", "account_id"], name="roster_snapshot_lot_account")]
