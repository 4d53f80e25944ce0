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

from csdp.audit.services import audit_record
from csdp.dividend.models import ClosedAccountBonus, Distribution
from csdp.lib.bulk import copy_out

CLOSED_SQL = """
SELECT e.account_id, MIN(e.participant_id), COALESCE(MIN(pp.code), ''), MIN(a.number),
       CAST(SUM(e.bonus_shares) AS BIGINT)
FROM dividend_entitlement e
JOIN securities_securitiesaccount a ON a.id = e.account_id
LEFT JOIN securities_participantprofile pp ON pp.institution_id = e.participant_id
WHERE e.distribution_id = %s AND e.bonus_shares > 0 AND a.status = 'closed'
GROUP BY e.account_id
"""
SCHEMA = {"account_id": pl.Int64, "participant_id": pl.Int64, "JSCY": pl.String, "GDDM": pl.String, "SZSL": pl.Int64}


def closed_account_bonus(distribution: Distribution, day: dt.date) -> tuple[int, int, list[dict]]:
    """Record and report the bonus shares registered today on accounts closed since R.
    Returns (accounts, shares, the QYZC files written)."""
    from csdp.dividend import files

    rows = copy_out(CLOSED_SQL, [distribution.pk], SCHEMA).sort("account_id")
    if not rows.height:
        return 0, 0, []
    ClosedAccountBonus.objects.bulk_create(
        ClosedAccountBonus(distribution=distribution, account_id=a, participant_id=p, shares=n)
        for a, p, n in rows.select("account_id", "participant_id", "SZSL").iter_rows()
    )
    shares = int(rows.get_column("SZSL").sum())
    audit_record(
        actor="system",
        obj=distribution,
        action="dividend.bonus_on_closed_account",
        reason="股权登记日后注销的证券账户：送转股登记在原账户，待持有人确权",
        data={"accounts": rows.height, "shares": shares, "numbers": rows.get_column("GDDM").to_list()[:50]},
    )
    written = files.suspense_files(distribution, day, rows.filter(pl.col("JSCY") != "").select("JSCY", "GDDM", "SZSL"))
    return rows.height, shares, written
