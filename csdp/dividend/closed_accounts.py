"""Bonus shares of an account closed between R and the list date (issue 16 §6).

The rule, an *assumption* (medium confidence; common CSD practice, no rule text found in the seeds or
rules.md): entitlement is fixed at R's end of day, so the bonus shares are the holder's and the
depository cannot give them to anyone else; they are registered on the holder's (closed) account on
the list date like every other lot — so the register's invariants hold unchanged (Σ positions =
issued capital) — and are reported, never silently: the issuer's QYJG counts them per participant
(ZXSL), the custodian participant gets QYZC (one line per closed account), staff see them on the
distribution page and in the EOD report, and an audit event records them. The holder claims them by
having the account reopened (恢复) or through a 非交易过户 (csdp/restrictions), both staff processes.
A suspense securities account of the depository was considered and not taken: it would move the
shares away from their owner on the register and need a transfer back later.
"""

from __future__ import annotations

import datetime as dt

import polars as pl

from django.db import connection

from csdp.audit.services import audit_record
from csdp.dividend.models import ClosedAccountBonus, Distribution
from csdp.lib.bulk import copy_out
from csdp.securities.models import ParticipantProfile, SecuritiesAccount
from csdp.dividend import files

CLOSED_SQL = "SELECT EXISTS (SELECT 1 FROM securities_securitiesaccount WHERE status = 'closed')"
# The lots with bonus shares on accounts closed now, per account: one scan of the distribution's
# entitlements semi-joined to the (few) closed accounts, in the database.
HITS_SQL = (
    "SELECT e.account_id, MIN(e.participant_id), CAST(SUM(e.bonus_shares) AS BIGINT) FROM dividend_entitlement e"
    " WHERE e.distribution_id = %s AND e.bonus_shares > 0 AND e.account_id IN"
    " (SELECT id FROM securities_securitiesaccount WHERE status = 'closed') GROUP BY e.account_id ORDER BY e.account_id"
)
SCHEMA = {"account_id": pl.Int64, "participant_id": pl.Int64, "JSCY": pl.String, "GDDM": pl.String, "SZSL": pl.Int64}


def closed_account_bonus(distribution: Distribution, day: dt.date) -> tuple[int, int, list[dict]]:
    """Record and report the bonus shares registered today on accounts closed since R. The lots are
    matched in the database (the entitlements are not read into Python). An account's lots share one
    custodian participant (the account's custody unit, at R). Returns (accounts, shares, the QYZC files
    written)."""
    if not distribution.bonus_total:
        return 0, 0, []
    with connection.cursor() as cursor:
        cursor.execute(CLOSED_SQL)
        if not cursor.fetchone()[0]:  # the usual day: no account closed at all
            return 0, 0, []
    hit = copy_out(
        HITS_SQL,
        [distribution.pk],
        {"account_id": pl.Int64, "participant_id": pl.Int64, "SZSL": pl.Int64},
    )
    if not hit.height:
        return 0, 0, []
    ids = hit.get_column("account_id").to_list()
    numbers = dict(SecuritiesAccount.objects.filter(pk__in=ids).values_list("pk", "number"))
    codes = dict(
        ParticipantProfile.objects.filter(
            institution_id__in=hit.get_column("participant_id").drop_nulls().to_list()
        ).values_list("institution_id", "code")
    )
    named = [(a, p, codes.get(p, ""), numbers[a], n) for a, p, n in hit.iter_rows()]
    frame = pl.DataFrame(named, schema=SCHEMA, orient="row")
    ClosedAccountBonus.objects.bulk_create(
        ClosedAccountBonus(distribution=distribution, account_id=a, participant_id=p, shares=n)
        for a, p, _, _, n in named
    )
    shares = int(frame.get_column("SZSL").sum())
    audit_record(
        actor="system",
        obj=distribution,
        action="dividend.bonus_on_closed_account",
        reason="股权登记日后注销的证券账户：送转股登记在原账户，待持有人确权",
        data={"accounts": frame.height, "shares": shares, "numbers": frame.get_column("GDDM").to_list()[:50]},
    )
    written = files.suspense_files(distribution, day, frame.filter(pl.col("JSCY") != "").select("JSCY", "GDDM", "SZSL"))
    return frame.height, shares, written
