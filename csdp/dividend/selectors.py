"""Reads of 权益分派: the register as of R (set-based, from the log) and the entitlements."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import polars as pl

from csdp.dividend.engine.entitlements import lockup_last
from csdp.dividend.engine.rates import micro_text
from csdp.lib.bulk import copy_out, copy_out_parts
from csdp.register.models import ISSUING, Position
from csdp.register.selectors import _lineage
from csdp.securities.models import Security, SecuritiesAccount
from csdp.dividend.models import (
    CODE_REFUND,
    CashStatus,
    ClosedAccountBonus,
    Distribution,
    Funding,
    FundingStatus,
    FundingTransition,
    HeldCash,
    HeldReason,
    ParticipantPayment,
    Status,
)
from csdp.ledger.models import Transfer
from csdp.accounts.models import Institution
from django.db import connection
from django.db.models import Count, Q, Sum, OuterRef, Subquery


def funded_fen(distribution: Distribution) -> int:
    """The money confirmed received (已到账) for the distribution, including any of it later returned:
    what the deadline and R judge and what the pay date's money check starts from (rules.md §12 委托代派).
    Declarations not (yet) confirmed do not count."""
    confirmed = Funding.objects.filter(distribution=distribution, status=FundingStatus.CONFIRMED)
    return confirmed.aggregate(s=Sum("amount_fen"))["s"] or 0


@dataclass(frozen=True)
class FundingAmounts:
    confirmed_fen: int  # confirmed received (已到账), including any later returned: ``funded_fen``
    pending_fen: int  # declared, awaiting staff's confirmation (待确认): not in the funding account
    pending_count: int
    refunded_fen: int  # returned to the issuer's bank (shortfall, withdrawal, surplus after payment)


def funding_amounts(distribution: Distribution) -> FundingAmounts:
    pending = Funding.objects.filter(distribution=distribution, status=FundingStatus.DECLARED).aggregate(
        s=Sum("amount_fen"), n=Count("pk")
    )
    refunded = Transfer.objects.filter(debit_account_id=distribution.funding_account_id, code=CODE_REFUND).aggregate(
        s=Sum("amount_fen")
    )
    return FundingAmounts(
        confirmed_fen=funded_fen(distribution),
        pending_fen=pending["s"] or 0,
        pending_count=pending["n"],
        refunded_fen=refunded["s"] or 0,
    )


def rates_text(cash_micro: int, bonus_micro: int, transfer_micro: int) -> str:
    """The plan per 10 shares in words, the parts that are not zero: 每10股派现金 1.5 元（含税）、送 3 股."""
    parts = [f"派现金 {micro_text(cash_micro)} 元（含税）"] if cash_micro else []
    parts += [f"送 {micro_text(bonus_micro)} 股"] if bonus_micro else []
    parts += [f"转增 {micro_text(transfer_micro)} 股"] if transfer_micro else []
    return "每10股" + "、".join(parts) if parts else "无"


def funding_reasons(distribution: Distribution) -> dict[int, str]:
    """Why each funding was rejected or lapsed (its transition's reason), by funding: the issuer is
    told on the page, not only by SMS."""
    rows = FundingTransition.objects.filter(
        funding__distribution=distribution, to_state__in=(FundingStatus.REJECTED, FundingStatus.LAPSED)
    ).values_list("funding_id", "reason")
    return dict(rows)


@dataclass(frozen=True)
class CashFigures:
    """The cash dividend as the page tells it, from recorded rows (payments, held cash), in fen.

    ``stage``: "estimate" before R (the total is fixed by R's register: issued capital now × rate),
    "expected" from R to the pay date (R's payments and held cash, not paid yet), "paid" after it,
    "none" when no cash is paid (no cash part, funding short, withdrawn). From R on,
    declared = paid + held + residue (held cash released later counts as paid)."""

    stage: str
    declared_fen: int  # 应派: ⌊R's total shares × rate⌋ (before R: an estimate on the capital now)
    paid_fen: int  # 实派: paid to participants (expected: to be paid), including held cash released since
    released_fen: int  # of paid_fen: held on the pay date, paid when the freeze lifted (release.py)
    held_fen: int  # 暂不派发, still held
    held_accounts: int
    residue_fen: int  # truncation (method truncate): the fractions, returned to the issuer
    issued_shares: int  # the capital the estimate is on (before R)


def cash_figures(distribution: Distribution) -> CashFigures:
    d = distribution
    if d.cash_status in (CashStatus.NONE, CashStatus.SHORT, CashStatus.WITHDRAWN):
        return CashFigures("none", d.cash_declared_fen, 0, 0, 0, 0, 0, 0)
    if d.status == Status.SCHEDULED:  # before R's end of day: nothing is fixed yet
        issued = issued_shares(d.security_id)
        return CashFigures("estimate", cash_required_fen(d), 0, 0, 0, 0, 0, issued)
    paid = d.cash_status == CashStatus.PAID
    payments = ParticipantPayment.objects.filter(distribution=d).aggregate(
        due=Sum("cash_fen", default=0), paid=Sum("paid_fen", default=0)
    )
    held = HeldCash.objects.filter(distribution=d).aggregate(
        held=Sum("amount_fen", filter=Q(released_on__isnull=True), default=0),
        accounts=Count("account_id", filter=Q(released_on__isnull=True), distinct=True),
        released=Sum("amount_fen", filter=Q(released_on__isnull=False), default=0),
    )
    paid_fen = (payments["paid"] if paid else payments["due"]) + held["released"]
    residue = d.cash_declared_fen - paid_fen - held["held"]
    return CashFigures(
        "paid" if paid else "expected",
        d.cash_declared_fen,
        paid_fen,
        held["released"],
        held["held"],
        held["accounts"],
        residue,
        d.total_quantity,
    )


LOT_SCHEMA = {
    "account": pl.Int64,
    "participant_id": pl.Int64,
    "custody_unit_id": pl.Int64,
    "account_number": pl.String,
    "share_nature": pl.String,
    "lockup_end": pl.String,
    "quantity": pl.Int64,
    "frozen": pl.Int64,
    "pledged": pl.Int64,
}


def _lineage_in(security_id: int) -> tuple[str, list[int]]:
    lineage = _lineage(Security.objects.get(pk=security_id))
    return ", ".join(["%s"] * len(lineage)), lineage


def register_as_of(security_id: int, day: dt.date) -> tuple[pl.DataFrame, int | None]:
    """Every lot of the security at ``day``'s end of day, replayed from the event log (events with a
    business date ≤ day, over the security and every code it was switched from, as the register's
    持有人名册 csdp/register/roster.py), with the custodian participant's institution of its account
    (托管单元 → 结算参与人; null without one), and the issued capital that day (Σ issuing events, in the
    same pass; None when no lot holds anything). Lots with nothing held are left out. A lean query of
    its own: the roster joins every holder's name and ID, which the entitlements do not need."""
    marks, lineage = _lineage_in(security_id)
    issuing = sorted(ISSUING)
    sql = (
        "SELECT l.account_id, pp.institution_id, cu.id, a.number, l.share_nature, CAST(l.lockup_end AS TEXT), l.q, l.f, l.p,"
        " CAST(l.issued_total AS BIGINT) FROM ("
        " SELECT g.*, SUM(g.issued) OVER () AS issued_total FROM ("
        " SELECT account_id, share_nature, lockup_end, CAST(SUM(quantity_delta) AS BIGINT) AS q,"
        " CAST(SUM(frozen_delta) AS BIGINT) AS f, CAST(SUM(pledged_delta) AS BIGINT) AS p,"
        f" SUM(CASE WHEN event_type IN ({', '.join(['%s'] * len(issuing))}) THEN quantity_delta ELSE 0 END) AS issued"
        f" FROM register_registrationevent WHERE security_id IN ({marks}) AND business_date <= %s"
        " GROUP BY account_id, share_nature, lockup_end) g) l"
        " JOIN securities_securitiesaccount a ON a.id = l.account_id"
        " LEFT JOIN securities_custodyunit cu ON cu.id = a.custody_unit_id"
        " LEFT JOIN securities_participantprofile pp ON pp.id = cu.participant_id"
        " WHERE l.q > 0"
    )
    frame = copy_out(sql, [*issuing, *lineage, day], {**LOT_SCHEMA, "issued_total": pl.Int64})
    capital = int(frame["issued_total"][0]) if frame.height else None
    lots = _dates(frame.drop("issued_total"), "lockup_end").sort("account", "share_nature", lockup_last())
    return lots, capital


def register_now(security_id: int) -> tuple[pl.DataFrame, int | None]:
    """Every lot of the security as it stands now, from the positions (the register's folded state; one
    indexed read of the security's lots instead of an aggregate over its whole event log), with the
    custodian participant as ``register_as_of``, and the security's issued capital. Used at R's own
    end of day, when now is R's end of day: the register dates its events on the business day they are
    written, so none is dated after today (the step still checks Σ lots = issued capital)."""
    sql = (
        "SELECT p.account_id, pp.institution_id, cu.id, a.number, p.share_nature, CAST(p.lockup_end AS TEXT), p.quantity, p.frozen,"
        " p.pledged FROM register_position p"
        " JOIN securities_securitiesaccount a ON a.id = p.account_id"
        " LEFT JOIN securities_custodyunit cu ON cu.id = a.custody_unit_id"
        " LEFT JOIN securities_participantprofile pp ON pp.id = cu.participant_id"
        " WHERE p.security_id = %s AND p.quantity > 0 AND p.account_id >= %s AND p.account_id < %s"
        " AND a.id >= %s AND a.id < %s"  # the planner does not carry a range across the join: each part
        # would hash every account (10M: 6.4 s against 8.7 s for one part, EXPLAIN ANALYZE)
    )
    # Two ranges of accounts, read at once in one snapshot (copy_out_parts; R's step has written nothing
    # before this read): at 10M holders the read is 25 s of one backend's join and formatting.
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT MIN(account_id), MAX(account_id) FROM register_position WHERE security_id = %s", [security_id]
        )
        low, high = cursor.fetchone()
    if low is None:
        frame = pl.DataFrame(schema=LOT_SCHEMA)
    else:
        # The bounds only split: the outer ones are open, so a lot committed after MIN/MAX (this
        # statement's snapshot, not the parts') is read all the same.
        middle = (low + high + 1) // 2
        ranges = [(-(2**63), middle), (middle, 2**63 - 1)]
        frame = copy_out_parts(sql, [[security_id, a, b, a, b] for a, b in ranges], LOT_SCHEMA)
    lots = _dates(frame, "lockup_end").sort("account", "share_nature", lockup_last())
    issued = Security.objects.values_list("issued_shares", flat=True).get(pk=security_id)
    return lots, None if issued is None else int(issued)


def issued_capital_as_of(security_id: int, day: dt.date) -> int:
    """Σ issuing events (csdp.register.models.ISSUING) up to ``day`` over the lineage: the issued capital
    that day, which the R snapshot must add up to (the register's invariant, checked again at R)."""
    marks, lineage = _lineage_in(security_id)
    issuing = sorted(ISSUING)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT COALESCE(SUM(quantity_delta), 0) FROM register_registrationevent WHERE security_id IN "
            f"({marks}) AND business_date <= %s AND event_type IN ({', '.join(['%s'] * len(issuing))})",
            [*lineage, day, *issuing],
        )
        return int(cursor.fetchone()[0])


def issued_shares(security_id: int) -> int:
    """The security's issued capital now (csdp.register keeps it with every issuing event); a security
    registered before the capital was kept: Σ positions. 0 for a security with no registered shares yet
    (an IPO still in progress): a plan on it is refused (counter_types, services)."""
    issued = Security.objects.values_list("issued_shares", flat=True).get(pk=security_id)
    if issued is None:
        issued = Position.objects.filter(security_id=security_id).aggregate(s=Sum("quantity"))["s"] or 0
    return int(issued)


def cash_required_fen(distribution: Distribution) -> int:
    """The cash the plan needs now: issued capital × the rate, to the fen (the deadline's verdict; the
    register refuses changing the capital from the plan's approval until R, csdp.dividend.guards)."""
    return issued_shares(distribution.security_id) * distribution.cash_micro // 100_000


def _dates(frame: pl.DataFrame, *columns: str) -> pl.DataFrame:
    """Dates travel as ISO text (SQLite has no date type; PostgreSQL's CSV is the same text)."""
    return frame.with_columns(
        [pl.when(pl.col(c) == "").then(None).otherwise(pl.col(c)).str.to_date("%Y-%m-%d").alias(c) for c in columns]
    )


ENTITLEMENT_SCHEMA = {
    "distribution_id": pl.Int64,
    "seq": pl.Int64,
    "account_id": pl.Int64,
    "participant_id": pl.Int64,
    "custody_unit_id": pl.Int64,
    "account_number": pl.String,
    "share_nature": pl.String,
    "lockup_end": pl.String,
    "quantity": pl.Int64,
    "frozen": pl.Int64,
    "pledged": pl.Int64,
    "cash_fen": pl.Int64,
    "held_fen": pl.Int64,
    "bonus_shares": pl.Int64,
    "bonus_frozen": pl.Int64,
    "bonus_pledged": pl.Int64,
}
ENTITLEMENT_COLUMNS = tuple(ENTITLEMENT_SCHEMA)


def entitlements_of(distribution_id: int, seqs: tuple[int, int] | None = None) -> pl.DataFrame:
    """The distribution's entitlements (``seqs``: only those with a seq in that closed range, for reading
    a large distribution a slice at a time), in no particular order."""
    columns = ", ".join("CAST(lockup_end AS TEXT)" if c == "lockup_end" else c for c in ENTITLEMENT_COLUMNS)
    where, params = "distribution_id = %s", [distribution_id]
    if seqs is not None:
        where, params = where + " AND seq BETWEEN %s AND %s", [*params, *seqs]
    frame = copy_out(f"SELECT {columns} FROM dividend_entitlement WHERE {where}", params, ENTITLEMENT_SCHEMA)
    return _dates(frame, "lockup_end")


def bonus_rows(distribution_id: int) -> pl.DataFrame:
    """The lots with bonus shares: what their register events need, and nothing else."""
    schema = {
        "account_id": pl.Int64,
        "participant_id": pl.Int64,
        "share_nature": pl.String,
        "lockup_end": pl.String,
        "bonus_shares": pl.Int64,
        "bonus_frozen": pl.Int64,
        "bonus_pledged": pl.Int64,
    }
    frame = copy_out(
        "SELECT account_id, participant_id, share_nature, CAST(lockup_end AS TEXT), bonus_shares, bonus_frozen,"
        " bonus_pledged "
        "FROM dividend_entitlement WHERE distribution_id = %s AND bonus_shares > 0",
        [distribution_id],
        schema,
    )
    return _dates(frame, "lockup_end").sort("account_id", "share_nature", lockup_last())


def file_rows_per_participant(distribution_id: int) -> list[tuple[int, int]]:
    """(participant's institution, rows) of the participants' files, by institution: what ``file_rows``
    would return at most, counted over the distribution's entitlements alone (its partition on PostgreSQL)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT participant_id, COUNT(*) FROM dividend_entitlement WHERE distribution_id = %s "
            "AND participant_id IS NOT NULL GROUP BY participant_id ORDER BY participant_id",
            [distribution_id],
        )
        return [(int(participant), int(n)) for participant, n in cursor.fetchall()]


def file_rows(distribution_id: int, participants: list[int] | None = None) -> pl.DataFrame:
    """Entitlements with what the participants' files name: account number (kept with the entitlement:
    no join of every account), custody unit, participant code, and the cash held on the account by the
    payment (by reason). Each lot is listed under its custodian at R (the entitlement's participant and
    custody unit), the participant its cash is paid to (ParticipantPayment, the issuer's QYJG), even if
    the account has moved custodian since. Only the
    rows with a custodian participant (the files' rows): filtered here, not in a copy of the frame (at
    10M holders the pay step's frames are the end of day's peak memory); ``participants``: only these
    institutions' rows (a scan of the distribution's partition, with no join of the accounts)."""
    only = f" AND e.participant_id IN ({', '.join(['%s'] * len(participants))})" if participants else ""
    sql = (
        "SELECT pp.code, cu.code, e.account_number, e.share_nature, CAST(e.lockup_end AS TEXT), e.quantity, e.frozen,"
        " e.pledged, e.cash_fen, e.held_fen, e.bonus_shares, e.bonus_frozen, e.bonus_pledged, e.account_id"
        " FROM dividend_entitlement e"
        " JOIN securities_participantprofile pp ON pp.institution_id = e.participant_id"
        " LEFT JOIN securities_custodyunit cu ON cu.id = e.custody_unit_id"
        f" WHERE e.distribution_id = %s AND pp.code <> ''{only} AND e.seq >= %s AND e.seq < %s"
    )
    schema = {
        "JSCY": pl.String,
        "XWDM": pl.String,
        "GDDM": pl.String,
        "GFXZ": pl.String,
        "XSRQ": pl.String,
        "CYSL": pl.Int64,
        "DJSL": pl.Int64,
        "ZYSL": pl.Int64,
        "cash_fen": pl.Int64,
        "held_fen": pl.Int64,
        "SGSL": pl.Int64,
        "SGDJ": pl.Int64,
        "SGZY": pl.Int64,
        "account_id": pl.Int64,
    }
    # The entitlements (committed at R, never changed after) in two halves of seq read at once in one
    # snapshot (copy_out_parts); the cash the pay step is holding now, which only its own transaction
    # sees, read here and joined in Polars.
    with connection.cursor() as cursor:
        cursor.execute("SELECT MAX(seq) FROM dividend_entitlement WHERE distribution_id = %s", [distribution_id])
        end = (cursor.fetchone()[0] or 0) + 1
    halves = [(0, end // 2), (end // 2, end)]
    fixed = [distribution_id, *(participants or [])]
    rows = copy_out_parts(sql, [[*fixed, low, high] for low, high in halves], schema)
    later = copy_out(
        "SELECT account_id, MIN(reason) FROM dividend_heldcash WHERE distribution_id = %s AND reason <> 'frozen'"
        " GROUP BY account_id",
        [distribution_id],
        {"account_id": pl.Int64, "later": pl.String},
    )
    frame = _dates(rows.join(later, on="account_id", how="left"), "XSRQ")
    # in no particular order: the files put their rows in order through a permutation (files.FILE_ORDER),
    # not a sorted copy of the frame
    return frame.with_columns(pl.col("JSCY", "XWDM", "later").fill_null(""))


def held_summary(distribution) -> list[dict]:
    """Held cash per reason: accounts and amount still held, and what was released when freezes lifted."""
    labels = dict(HeldReason.choices)
    rows = (
        HeldCash.objects.filter(distribution=distribution)
        .values("reason")
        .annotate(
            accounts=Count("pk"),
            held_fen=Sum("amount_fen", filter=Q(released_on__isnull=True), default=0),
            released_fen=Sum("amount_fen", filter=Q(released_on__isnull=False), default=0),
        )
        .order_by("reason")
    )
    return [{**r, "label": labels.get(r["reason"], r["reason"])} for r in rows]


def closed_bonus_of(distribution):
    """Bonus shares registered on accounts closed since R: a QuerySet with ``account_number`` and
    ``participant_name`` (the table holds ids without foreign keys, as the end of day writes it)."""
    return ClosedAccountBonus.objects.filter(distribution=distribution).annotate(
        account_number=Subquery(SecuritiesAccount.objects.filter(pk=OuterRef("account_id")).values("number")[:1]),
        participant_name=Subquery(Institution.objects.filter(pk=OuterRef("participant_id")).values("name")[:1]),
    )
