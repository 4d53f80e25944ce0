"""Held cash paid out when the freeze lifts (孳息随冻结, rules.md §12 *likely*; the release rule below is
an *assumption*): the cash of a distribution held because the account's shares were frozen (at R, or
frozen between R and 派息日) follows the freeze — once the account holds none of the security frozen
any more and no court freeze on it is live or waiting (csdp/restrictions: released on the court's
notice, or expired at the end of its period), the cash is paid to the account's custodian participant's
reserve, like the rest of the distribution on 派息日.

An end-of-day job of its own (``dividend_release``), ordered after csdp/restrictions' job (order 40)
so that a freeze expiring today releases its cash the same evening; it reads the register and the
freezes and changes nothing in csdp/restrictions (no hook there, no import cycle). Per distribution
and custodian participant: one ledger transfer (held account → reserve) whose key names the released
rows, each row marked with its day, participant and transfer, and an audit event — in one transaction
per distribution, so a rerun finds nothing left to release.

Not released (stays held, shown to staff on the distribution page): a partial release (the account
still has frozen shares of the security: the cash stays whole with the remaining freeze — *assumption*,
the court's notice does not apportion 孳息); an account closed, or without a custodian participant with
a reserve (no one to pay; cash held for reason ``closed`` / ``no_custodian`` is never released here).
司法扣划: CSDP's 非交易过户 on a court ruling moves only unfrozen shares, so a 扣划 follows the freeze's
release; the held cash then goes to the holder's participant like any release — a court that wants the
cash itself must say so in its own notice to the participant (outside CSDP; *assumption*, low
confidence: we found no published rule that the depository carries 孳息 over a 扣划).
"""

from __future__ import annotations

import datetime as dt

from django.db import connection, transaction

from csdp.audit.services import audit_record
from csdp.clock.eod import EodLine
from csdp.dividend.models import Distribution, HeldCash, HeldReason, Status
from csdp.dividend.services import held_account
from csdp.ledger.selectors import reserve_accounts_of
from csdp.ledger.services import LedgerError, transfer_post
from csdp.restrictions.models import FREEZE_LIVE
from csdp.dividend.notices import released_notify

CODE_RELEASE = "dividend.release"

RELEASABLE_SQL = """
SELECT h.id, h.distribution_id, h.amount_fen, pp.institution_id
FROM dividend_heldcash h
JOIN dividend_distribution d ON d.id = h.distribution_id
JOIN securities_securitiesaccount a ON a.id = h.account_id
JOIN securities_custodyunit cu ON cu.id = a.custody_unit_id
JOIN securities_participantprofile pp ON pp.id = cu.participant_id
WHERE h.released_on IS NULL AND h.reason IN (%s, %s) AND d.status IN (%s, %s) AND a.status <> 'closed'
  AND NOT EXISTS (SELECT 1 FROM register_position p
                  WHERE p.account_id = h.account_id AND p.security_id = d.security_id AND p.frozen > 0)
  AND NOT EXISTS (SELECT 1 FROM restrictions_freeze f
                  WHERE f.account_id = h.account_id AND f.security_id = d.security_id AND f.status IN (%s, %s))
ORDER BY h.distribution_id, h.id
"""


def releasable() -> dict[int, list[tuple[int, int, int]]]:
    """distribution id → [(held row, amount, participant institution)] of the held cash whose freeze lifted."""
    params = [
        HeldReason.FROZEN_AT_RECORD.value,
        HeldReason.FROZEN_AFTER_RECORD.value,
        Status.PAID.value,
        Status.COMPLETED.value,
        *sorted(str(s) for s in FREEZE_LIVE),
    ]
    out: dict[int, list[tuple[int, int, int]]] = {}
    with connection.cursor() as cursor:
        cursor.execute(RELEASABLE_SQL, params)
        for held_id, distribution_id, amount, participant in cursor.fetchall():
            out.setdefault(distribution_id, []).append((held_id, amount, participant))
    return out


def held_cash_release(*, distribution: Distribution, day: dt.date) -> tuple[int, int]:
    """Pay out what is releasable of one distribution's held cash. Returns (rows, fen)."""
    with transaction.atomic():
        rows = releasable().get(distribution.pk, [])
        held = HeldCash.objects.select_for_update().filter(pk__in=[r[0] for r in rows], released_on__isnull=True)
        locked = {h.pk: h for h in held}
        reserves = reserve_accounts_of({p for _, _, p in rows})
        per_participant: dict[int, list[HeldCash]] = {}
        for held_id, _, participant in rows:
            if held_id in locked and participant in reserves:
                per_participant.setdefault(participant, []).append(locked[held_id])
        source, total, count = held_account(distribution), 0, 0
        for participant, items in sorted(per_participant.items()):
            amount = sum(h.amount_fen for h in items)
            transfer = transfer_post(
                debit=source,
                credit=reserves[participant],
                amount_fen=amount,
                key=f"dividend:{distribution.pk}:release:{min(h.pk for h in items)}:{len(items)}",
                code=CODE_RELEASE,
                business_date=day,
                memo=f"{distribution.security.code} 冻结解除，暂不派发的现金红利派发",
            )
            for h in items:
                h.released_on, h.released_to_id, h.released_transfer = day, participant, transfer
            HeldCash.objects.bulk_update(items, ["released_on", "released_to", "released_transfer"])
            total, count = total + amount, count + len(items)
        if count:
            audit_record(
                actor="system",
                obj=distribution,
                action="dividend.held_release",
                reason="冻结已解除，暂不派发的现金红利派发至托管结算参与人",
                data={"rows": count, "amount_fen": total, "day": day.isoformat()},
            )
            released_notify(distribution, count, total)
        return count, total


def release_eod(day: dt.date, out=None) -> list[EodLine]:
    lines = []
    for distribution_id in sorted(releasable()):
        distribution = Distribution.objects.select_related("security").get(pk=distribution_id)
        subject = f"{distribution.security.code} #{distribution.pk}"
        try:
            count, total = held_cash_release(distribution=distribution, day=day)
        except LedgerError as error:
            lines.append(EodLine("dividend_release", subject, "暂不派发现金红利解除未完成", error=str(error)))
            continue
        if count:
            lines.append(
                EodLine(
                    "dividend_release",
                    subject,
                    f"冻结解除：{count} 户暂不派发的现金红利 {total // 100}.{total % 100:02d} 元已派发至结算参与人",
                )
            )
    return lines
