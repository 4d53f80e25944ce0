"""派息日 (step ``pay`` of the end of day, steps.py): the cash that became unpayable after R is held, the
participants' holds posted (one ledger transfer each), the surplus returned to the issuer, and the
participants' files written and published — one transaction, the money checked to be conserved before
its commit."""

from __future__ import annotations

import datetime as dt
import time

from django.db import connection
from django.db.models import Sum

from csdp.dividend import files
from csdp.dividend.models import CODE_REFUND, CashStatus, Distribution, HeldCash, HeldReason, ParticipantPayment, Status
from csdp.dividend.notices import files_ready_notify, paid_notify
from csdp.dividend.selectors import funded_fen
from csdp.dividend.services import DividendError, held_account, refund_funding
from csdp.dividend.steps import CODE_HELD, Laps, _balance, _fen, _move, _record
from csdp.ledger.bulk import holds_resolve_bulk
from csdp.ledger.models import Transfer
from csdp.ledger.services import LedgerError, transfer_post

LATER_HELD_SQL = """
WITH changed AS (
    SELECT id AS account_id FROM securities_securitiesaccount WHERE status = 'closed'
    UNION
    SELECT account_id FROM register_registrationevent
    WHERE business_date >= %s AND security_id = %s AND frozen_delta <> 0
)
SELECT e.account_id, e.participant_id, e.payable, CASE WHEN a.status = 'closed' THEN 1 ELSE 0 END,
       e.frozen_then, COALESCE((SELECT SUM(p.frozen) FROM register_position p
                                WHERE p.account_id = e.account_id AND p.security_id = %s), 0)
FROM (SELECT x.account_id, MIN(x.participant_id) AS participant_id,
             CAST(SUM(x.cash_fen - x.held_fen) AS BIGINT) AS payable, CAST(SUM(x.frozen) AS BIGINT) AS frozen_then
      FROM dividend_entitlement x JOIN changed c ON c.account_id = x.account_id
      WHERE x.distribution_id = %s AND x.participant_id IS NOT NULL GROUP BY x.account_id) e
JOIN securities_securitiesaccount a ON a.id = e.account_id
WHERE e.payable > 0 AND NOT EXISTS (SELECT 1 FROM dividend_heldcash h WHERE h.distribution_id = %s
                                    AND h.account_id = e.account_id AND h.reason = 'no_custodian')
"""


def _later_held(distribution: Distribution) -> list[tuple[int, int, int, str]]:
    """(account, participant, amount, reason) of the cash that became unpayable after R: the account
    was closed, or a freeze was placed on it after R (孳息随冻结 — the freeze catches the cash not yet
    paid; *assumption*, rules.md §12). Only the accounts closed (a partial index) or whose frozen
    shares of the security changed after R are looked at: every change is a register event dated R or
    later (R's own day too: an event written that evening after R's end of day is dated R), and those
    are the log's tail (its BRIN index on the business date), not the whole log. Each
    candidate's frozen now is read from its positions; frozen now > frozen at R is a freeze placed after
    R. (Reading the security's positions with frozen > 0 instead took 10 s at 10M holders, 1 % frozen:
    the accounts frozen at R are candidates every time.) Not seen: a freeze dated before R but written
    after R's end of day read the register — the register writes freezes on the day they are placed."""
    with connection.cursor() as cursor:
        cursor.execute(
            LATER_HELD_SQL,
            [
                distribution.record_date,
                distribution.security_id,
                distribution.security_id,
                distribution.pk,
                distribution.pk,
            ],
        )
        out = []
        for account, participant, payable, closed, frozen_then, frozen_now in cursor.fetchall():
            if closed:
                out.append((account, participant, payable, HeldReason.ACCOUNT_CLOSED.value))
            elif frozen_now > frozen_then:
                out.append((account, participant, payable, HeldReason.FROZEN_AFTER_RECORD.value))
        return sorted(out)


def step_pay(distribution: Distribution, day: dt.date) -> str:
    started, laps = time.perf_counter(), Laps()
    text = "无现金红利派发"
    if distribution.cash_status == CashStatus.FUNDED:
        text = _pay_money(distribution, day)
        distribution.cash_status = CashStatus.PAID
        paid_notify(distribution, text)
        laps.lap("money")
    written = files.participant_files(distribution, day)
    # recorded in this transaction (the participants' page and API), their users told with it
    files_ready_notify(distribution, day, files.files_record(distribution, day, written), ("QYMX", "QYHZ"))
    laps.lap("files")
    _move(distribution, Status.PAID, f"派息日 {distribution.pay_date}：{text}", ["cash_status"])
    _record(distribution, "pay", day, started, len(written), {"files": written, "text": text, "laps": laps.seconds})
    return f"{text}；结算参与人文件 {len(written)} 个"


def _pay_money(distribution: Distribution, day: dt.date) -> str:
    later = _later_held(distribution)
    newly: dict[int, int] = {}
    for _account, participant, amount, _reason in later:
        newly[participant] = newly.get(participant, 0) + amount
    HeldCash.objects.bulk_create(
        HeldCash(distribution=distribution, account_id=a, amount_fen=m, reason=r) for a, _, m, r in later
    )
    payments = list(ParticipantPayment.objects.filter(distribution=distribution).order_by("participant_id"))
    resolutions, paid_total = [], 0
    for payment in payments:
        payment.paid_fen = payment.cash_fen - newly.get(payment.participant_id, 0)
        paid_total += payment.paid_fen
        if payment.hold_id is None:
            continue
        # The hold's key and a phase: the participant's statement shows the distribution as its reference.
        key = f"dividend:{distribution.pk}:pay:{payment.participant_id}"
        if payment.paid_fen > 0:
            resolutions.append(
                {
                    "hold": payment.hold_id,
                    "phase": "post",
                    "amount_fen": payment.paid_fen,
                    "business_date": day,
                    "key": f"{key}:post",
                }
            )
        else:
            resolutions.append({"hold": payment.hold_id, "phase": "void", "business_date": day, "key": f"{key}:void"})
    held_hold = Transfer.objects.filter(key=f"dividend:{distribution.pk}:held").first()
    if held_hold is not None:
        resolutions.append(
            {
                "hold": held_hold.pk,
                "phase": "post",
                "business_date": day,
                "key": f"dividend:{distribution.pk}:held:post",
            }
        )
    try:
        holds_resolve_bulk(resolutions)
        ParticipantPayment.objects.bulk_update(payments, ["paid_fen"])
        newly_total = sum(newly.values())
        if newly_total:
            transfer_post(
                debit=distribution.funding_account,
                credit=held_account(distribution),
                amount_fen=newly_total,
                key=f"dividend:{distribution.pk}:held-later",
                code=CODE_HELD,
                business_date=day,
                memo="登记日后冻结或账户注销，暂不派发",
            )
        left, pending = _balance(distribution.funding_account_id)
        refund_funding(distribution, left, reason="现金红利派发后余额退回", key_suffix="surplus")
    except LedgerError as error:
        raise DividendError(f"派息失败：{error}") from None
    _check_money(distribution, paid_total)
    return f"派发 {_fen(paid_total)} 元至 {len(payments)} 个结算参与人，暂不派发 {_fen(distribution.cash_total_fen - paid_total)} 元"


def _check_money(distribution: Distribution, paid_total: int) -> None:
    """Money conserved: what the issuer funded = paid to participants + held + returned; the funding
    account ends at zero; the held account holds exactly the held cash recorded per account."""
    posted, pending = _balance(distribution.funding_account_id)
    held_rows = HeldCash.objects.filter(distribution=distribution).aggregate(s=Sum("amount_fen"))["s"] or 0
    held_posted = _balance(held_account(distribution).pk)[0]
    refunded = (
        Transfer.objects.filter(debit_account_id=distribution.funding_account_id, code=CODE_REFUND).aggregate(
            s=Sum("amount_fen")
        )["s"]
        or 0
    )
    funded = funded_fen(distribution)
    problems = []
    if posted != 0 or pending != 0:
        problems.append(f"代派资金户余额 {posted} 分、冻结 {pending} 分，应为零")
    if held_posted != held_rows:
        problems.append(f"暂不派发资金户 {held_posted} 分，与明细 {held_rows} 分不符")
    if paid_total + held_rows != distribution.cash_total_fen:
        problems.append(f"派发 {paid_total} + 暂不派发 {held_rows} ≠ 应派 {distribution.cash_total_fen}")
    if paid_total + held_rows + refunded != funded:
        problems.append(f"派发 + 暂不派发 + 退回 ≠ 到账 {funded}")
    if problems:
        raise DividendError(
            "资金不守恒，派息未提交：" + "；".join(problems) + "。", code="dividend.money_not_conserved"
        )
