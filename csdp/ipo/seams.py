"""What staff must see and settle between the steps of several offerings at once (issue 14): a failed
end-of-day step of an offering with its reason, and a lead underwriter that has not reported its
自营结算备付金账户 by T — warned at T, recorded late by staff under four-eyes, so that this offering
alone, not every offering of the day, waits at T+1."""

from __future__ import annotations

from django.db import transaction

from csdp.accounts.roles import Role
from csdp.approvals.kinds import register_kind
from csdp.approvals.services import approval_prepare
from csdp.audit.services import audit_record
from csdp.clock.services import business_today
from csdp.ipo.errors import IpoError
from csdp.ipo.models import EodStepRun, Offering, OfferingStatus
from csdp.ledger.models import AccountKind, LedgerAccount

# Before T+1 EOD the account can still be recorded; from then on the proceeds have a place to go or not.
UNSETTLED = (OfferingStatus.PREPARING, OfferingStatus.APPLIED, OfferingStatus.SUBSCRIBING, OfferingStatus.CLEARED)


def failed_steps(offering: Offering | None = None):
    """The offering's (or every offering's) end-of-day steps whose last run failed, with the reason."""
    runs = EodStepRun.objects.filter(status=EodStepRun.Status.FAILED).select_related("offering")
    return runs.filter(offering=offering) if offering is not None else runs.order_by("-finished_at")


def missing_underwriter_account(offering: Offering, today=None) -> bool:
    """From T on (002 §3.2.1: reported before T), an offering not yet settled without the account."""
    today = today or business_today()
    return offering.underwriter_account_id is None and offering.status in UNSETTLED and today >= offering.t_date


def offerings_missing_underwriter_account(today=None) -> list[Offering]:
    today = today or business_today()
    return list(
        Offering.objects.filter(underwriter_account__isnull=True, status__in=UNSETTLED, t_date__lte=today)
        .select_related("underwriter")
        .order_by("t_date", "code")
    )


def _underwriter_reserve(offering: Offering) -> LedgerAccount:
    account = (
        LedgerAccount.objects.filter(owner_id=offering.underwriter_id, kind=AccountKind.UNDERWRITER_RESERVE)
        .order_by("pk")
        .first()
    )
    if account is None:
        raise IpoError(
            f"主承销商 {offering.underwriter.name} 尚未开立自营结算备付金账户，不能登记补报。",
            code="ipo.no_underwriter_reserve",
        )
    return account


def underwriter_account_late_prepare(*, offering: Offering, by):
    """An operator records the lead underwriter's late report (its own 自营结算备付金账户); a reviewer
    approves it, and then the account receives this offering's proceeds at T+1 EOD."""
    if offering.underwriter_account_id is not None:
        raise IpoError("主承销商已报备自营结算备付金账户。", code="ipo.account_reported")
    if offering.status not in UNSETTLED:
        raise IpoError("T+1 日交收后不能再登记补报账户。", code="ipo.too_late")
    account = _underwriter_reserve(offering)
    return approval_prepare(
        kind=LATE_ACCOUNT.code,
        key=f"ipo:{offering.code}:late-account",
        summary=f"{offering.code} {offering.name}：登记主承销商补报的自营结算备付金账户 {account.number}",
        payload={"offering": offering.pk, "account": account.pk},
        by=by,
        subject=offering,
    )


def _apply_late_account(approval) -> dict:
    with transaction.atomic():
        offering = Offering.objects.select_for_update().get(pk=approval.payload["offering"])
        if offering.underwriter_account_id is not None:
            raise IpoError("主承销商已报备自营结算备付金账户。", code="ipo.account_reported")
        if offering.status not in UNSETTLED:
            raise IpoError("T+1 日交收后不能再登记补报账户。", code="ipo.too_late")
        account = LedgerAccount.objects.get(pk=approval.payload["account"])
        if account.kind != AccountKind.UNDERWRITER_RESERVE or account.owner_id != offering.underwriter_id:
            raise IpoError("只能登记主承销商本机构的自营结算备付金账户。")
        offering.underwriter_account = account
        offering.save(update_fields=["underwriter_account"])
        audit_record(
            actor=approval.approved_by,
            obj=offering,
            action="offering.report_account",
            data={"account": account.number, "late": True, "prepared_by": approval.prepared_by.username},
        )
    return {"发行": offering.code, "自营结算备付金账户": account.number}


LATE_ACCOUNT = register_kind(
    code="ipo.underwriter_account_late",
    label="登记主承销商补报的自营结算备付金账户",
    apply=_apply_late_account,
    preparers={Role.OPERATOR, Role.ADMIN},
    approvers={Role.REVIEWER, Role.ADMIN},
)
