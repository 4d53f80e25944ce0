"""Writes of 权益分派 outside the end of day: scheduling (the approved plan), withdrawal before R. Funding
(委托代派, declared then confirmed) is in ``funding.py``; the end-of-day steps are in ``steps.py``
(派息日: ``steps_pay.py``; 红股上市日: ``steps_bonus.py``).

Four-eyes (csdp/approvals): the plan and a withdrawal are prepared by an operator and applied when a
different reviewer approves (kinds ``dividend.plan`` and ``dividend.withdraw``, registered in kinds.py).
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction

from csdp.approvals.models import Status as ApprovalStatus
from csdp.approvals.selectors import approvals_of_subject
from csdp.approvals.services import approval_prepare
from csdp.audit.services import audit_record
from csdp.clock.services import business_today, clock_now
from csdp.counter.handling import application_withdraw_accepted
from csdp.counter.models import Application
from csdp.counter.states import Status as ApplicationStatus
from csdp.dividend.dates import dates_for
from csdp.dividend.kinds import WITHDRAW
from csdp.dividend.errors import DividendError
from csdp.dividend.funding import fundings_lapse, issuer_bank_account
from csdp.dividend.models import (
    ACTIVE,
    CODE_REFUND,
    MACHINE,
    CashStatus,
    Distribution,
    DistributionTransition,
    Method,
    Status,
)
from csdp.dividend.notices import withdrawn_notify
from csdp.dividend.selectors import issued_shares
from csdp.ledger.models import AccountKind, LedgerAccount
from csdp.ledger.services import ledger_account_open, transfer_post
from csdp.lib.env import ConfigError
from csdp.lib.statemachine import STAFF, transition_record
from csdp.securities.models import Security


def held_account(distribution: Distribution) -> LedgerAccount:
    return ledger_account_open(
        number=f"DIV-{distribution.pk}-HELD", name=f"{distribution}暂不派发现金", kind=AccountKind.DIVIDEND_HELD
    )


def check_has_capital(security: Security) -> None:
    """A plan needs registered shares: on a security with none (an IPO still in progress) nobody is
    entitled and the deadline's verdict would find 0.00 元 "fully funded". Checked at filing
    (counter_types.validate_distribution) and again at approval (below)."""
    if issued_shares(security.pk) <= 0:
        raise DividendError(
            f"证券 {security.code} 尚无登记股本（如首次公开发行的股份尚未登记），不能实施权益分派。",
            code="dividend.no_capital",
        )


@transaction.atomic
def distribution_schedule(*, payload: dict, actor=None) -> Distribution:
    """The approved plan becomes a distribution with its dates and its funding account. Idempotent by
    the counter application (a replayed approval returns the same distribution)."""
    application_id = payload.get("application_id")
    if application_id is not None:
        existing = Distribution.objects.filter(application_id=application_id).first()
        if existing is not None:
            return existing
    # Locked: two plans of one security cannot both pass the clash check below, and a share-changing
    # business running now (csdp.dividend.guards) commits before this plan begins or waits for it.
    security = Security.objects.select_for_update().get(code=payload["code"])
    # Again at approval, under the lock: the filing's check (counter_types) may be days old.
    check_has_capital(security)
    record_date = dt.date.fromisoformat(payload["record_date"])
    try:
        dates = dates_for(record_date)
    except ValueError as error:
        raise DividendError(str(error), code="dividend.record_date") from None
    except ConfigError as error:  # the dates' rule is misconfigured (dates.py): nothing is scheduled
        raise DividendError(str(error), code="dividend.dates_config") from None
    if dates.funding_deadline < business_today() and payload["cash_micro"] > 0:
        raise DividendError(
            f"代派资金截止日 {dates.funding_deadline} 已过，请改定股权登记日。", code="dividend.too_late"
        )
    if record_date < business_today():
        raise DividendError(f"股权登记日 {record_date} 已过。", code="dividend.too_late")
    # Until the list date's end of day (PAID included): a second plan's approval would suspend issuing the
    # first one's bonus shares (csdp.dividend.guards) and its R would miss them.
    clash = Distribution.objects.filter(security=security, status__in=ACTIVE).first()
    if clash is not None:
        raise DividendError(
            f"证券 {security.code} 已有进行中的权益分派（登记日 {clash.record_date}）。", code="dividend.clash"
        )
    distribution = Distribution.objects.create(
        security=security,
        issuer_id=payload["issuer_id"],
        application_id=application_id,
        cash_micro=payload["cash_micro"],
        bonus_micro=payload["bonus_micro"],
        transfer_micro=payload["transfer_micro"],
        method=payload.get("method", Method.PRECISE),
        seed=payload["seed"],
        record_date=dates.record_date,
        ex_date=dates.ex_date,
        pay_date=dates.pay_date,
        list_date=dates.list_date,
        funding_deadline=dates.funding_deadline,
        cash_status=CashStatus.AWAITING if payload["cash_micro"] > 0 else CashStatus.NONE,
    )
    distribution.funding_account = ledger_account_open(
        number=f"DIV-{distribution.pk}",
        name=f"{security.code} 权益分派代派资金",
        kind=AccountKind.DIVIDEND,
        owner=distribution.issuer,
    )
    distribution.save(update_fields=["funding_account"])
    DistributionTransition.objects.create(
        distribution=distribution,
        from_state="",
        to_state=Status.SCHEDULED,
        actor=actor,
        actor_kind=STAFF,
        at=clock_now(),
        reason="复核通过",
    )
    audit_record(
        actor=actor or "system",
        obj=distribution,
        action="dividend.schedule",
        to_state=Status.SCHEDULED,
        data={"code": security.code, "record_date": str(record_date), "seed": distribution.seed},
    )
    return distribution


def refund_funding(distribution: Distribution, amount_fen: int, *, reason: str, key_suffix: str) -> None:
    """Money left in the funding account goes back to the issuer's bank (idempotent by key)."""
    if amount_fen <= 0:
        return
    transfer_post(
        debit=distribution.funding_account,
        credit=issuer_bank_account(distribution.issuer, distribution.security),
        amount_fen=amount_fen,
        key=f"dividend:{distribution.pk}:refund:{key_suffix}",
        code=CODE_REFUND,
        memo=reason[:200],
    )


@transaction.atomic
def distribution_withdraw(*, distribution_id: int, reason: str, actor=None) -> Distribution:
    """Plan withdrawn before R (four-eyes applied): the confirmed funding goes back to the issuer,
    declarations not yet confirmed lapse; nothing else has moved yet. The issuer is told why and what
    came back. After R the entitlements stand and the plan can no longer be withdrawn."""
    distribution = Distribution.objects.select_for_update().get(pk=distribution_id)
    if distribution.status == Status.WITHDRAWN:
        return distribution
    if distribution.status != Status.SCHEDULED or business_today() >= distribution.record_date:
        raise DividendError("股权登记日及以后不能撤销权益分派。", code="dividend.too_late_to_withdraw")
    account = LedgerAccount.objects.get(pk=distribution.funding_account_id)
    returned_fen = account.credits_posted - account.debits_posted
    refund_funding(distribution, returned_fen, reason=f"权益分派撤销退回：{reason}", key_suffix="withdraw")
    fundings_lapse(distribution, reason=f"权益分派撤销：{reason}")
    if distribution.cash_status != CashStatus.NONE:
        distribution.cash_status = CashStatus.WITHDRAWN
    distribution.cash_note = f"权益分派已撤销：{reason}"[:300]
    transition_record(
        machine=MACHINE,
        subject=distribution,
        to_state=Status.WITHDRAWN,
        history=DistributionTransition,
        actor=actor,
        by=STAFF,
        reason=reason,
        at=clock_now(),
        update_fields=["cash_status", "cash_note"],
    )
    audit_record(
        actor=actor or "system",
        obj=distribution,
        action="dividend.withdraw",
        from_state=Status.SCHEDULED,
        to_state=Status.WITHDRAWN,
        reason=reason,
        data={"returned_fen": returned_fen},
    )
    _application_end(distribution, reason=reason, actor=actor)
    withdrawn_notify(distribution, reason, returned_fen)
    return distribution


def _application_end(distribution: Distribution, *, reason: str, actor) -> None:
    """The issuer's counter application (type 05) has nothing left to handle once its plan is withdrawn:
    it ends 已撤回 through the counter's state machine. Only one still 办理中: results already sent end
    with the filer's confirmation, as always."""
    application = Application.objects.filter(pk=distribution.application_id).first()
    if application is None or application.status != ApplicationStatus.ACCEPTED:
        return
    application_withdraw_accepted(application=application, actor=actor, reason=f"权益分派已撤销：{reason}")


CLOSED_WITHOUT_EFFECT = (ApprovalStatus.REJECTED, ApprovalStatus.CANCELLED)


def distribution_withdraw_prepare(*, distribution: Distribution, reason: str, by):
    """经办 of a withdrawal: applied when a different reviewer approves (kind ``dividend.withdraw``)."""
    if distribution.status != Status.SCHEDULED or business_today() >= distribution.record_date:
        raise DividendError("股权登记日及以后不能撤销权益分派。", code="dividend.too_late_to_withdraw")
    # A withdrawal rejected or cancelled leaves its key taken: the next one is another attempt, its own key
    # (the first keeps the plain key, as before).
    closed = approvals_of_subject(distribution).filter(kind=WITHDRAW, status__in=CLOSED_WITHOUT_EFFECT).count()
    key = f"dividend:withdraw:{distribution.pk}" + (f":{closed + 1}" if closed else "")
    return approval_prepare(
        kind=WITHDRAW,
        key=key,
        summary=f"撤销 {distribution}：{reason}",
        payload={"distribution_id": distribution.pk, "reason": reason},
        by=by,
        subject=distribution,
    )
