"""Reads behind the IPO pages (selectors shaped for templates and charts)."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

from django.db.models import Sum, Count

from csdp.clock.services import business_today, CalendarError
from csdp.ipo.issuer.detail_filings import expected_total, filing_content, required_kinds
from csdp.ipo.forms import StopForm
from csdp.ipo.models import (
    EodStep,
    Offering,
    OfferingStatus,
    ParticipantFile,
    ParticipantObligation,
    FilingKind,
    FilingStatus,
    ShortfallDeclaration,
)
from csdp.ipo.failure.refunds import paying_account
from csdp.ipo.seams import failed_steps, missing_underwriter_account
from csdp.ipo.services import code_switch_content, proceeds_content
from csdp.ipo.failure.stop import CONSEQUENCE
from csdp.ipo.timeline import timeline
from csdp.keys.signing import signing_context, submission_digest
from csdp.ledger.selectors import balance_of, reserve_account_of
from csdp.lib.listing import Column, listing
from csdp.register.models import RegistrationEvent
from csdp.securities.models import ParticipantProfile
import io
from openpyxl import Workbook
from django.http import Http404


def yuan(fen: int | None) -> Decimal:
    return (Decimal(fen or 0) / 100).quantize(Decimal("0.01"))


def offerings_for(user):
    return Offering.objects.visible_to(user).select_related("issuer", "underwriter").order_by("-t_date", "code")


def _step_detail(offering: Offering, step: str) -> dict:
    run = offering.step_runs.filter(step=step, status="done").first()
    return run.detail if run else {}


def charts(offering: Offering) -> dict:
    """Data for the three charts: subscription sizes, allocation, money flows."""
    t = _step_detail(offering, EodStep.T_CLEARING)
    t1 = _step_detail(offering, EodStep.T1_SETTLE)
    money = ParticipantObligation.objects.filter(offering=offering).aggregate(
        owed=Sum("subscribed_fen"), frozen=Sum("frozen_fen"), deducted=Sum("deducted_fen"), unfrozen=Sum("unfrozen_fen")
    )
    paid = t1.get("proceeds_fen", 0) if offering.transitions.filter(to_state=OfferingStatus.PAID).exists() else 0
    return {
        "sizes": t.get("size_distribution", []),
        "allocation": {
            "kept": t1.get("kept_shares", 0),
            "remainder": t1.get("remainder_shares", 0),
        }
        if t1
        else {},
        "money_yuan": {
            "应付申购资金": float(yuan(money["owed"])),
            "冻结": float(yuan(money["frozen"])),
            "扣划（认购资金）": float(yuan(money["deducted"])),
            "解冻": float(yuan(money["unfrozen"])),
            "划付发行人": float(yuan(paid)),
        }
        if money["owed"]
        else {},
    }


def _stop_context(offering: Offering, user) -> dict:
    stop = getattr(offering, "stop", None)
    if stop is None:
        stoppable = user.staff_role == "operator" and offering.status != OfferingStatus.LISTED
        return {"stop": None, "stop_form": StopForm() if stoppable else None}
    is_underwriter = user.institution_id == offering.underwriter_id
    party = bool(user.staff_role) or user.institution_id in (offering.issuer_id, offering.underwriter_id)
    account = paying_account(offering) if is_underwriter else None
    return {
        "stop": stop,
        "stop_consequence": CONSEQUENCE[stop.stage],
        "stop_refunds": offering.stop_refunds.all() if party else [],  # totals over all participants
        "can_apply_stop": user.institution_id in (offering.issuer_id, offering.underwriter_id),
        "underwriter_balance": balance_of(account) if account else None,
    }


# Panels that apps built on the IPO add to the offering page (greenshoe: the option's state), registered
# from their ready() with offering_panel(name), so this module imports none of them.
_PANELS: dict[str, Callable[[Offering], dict | None]] = {}


def offering_panel(name: str, reader: Callable[[Offering], dict | None]) -> None:
    _PANELS[name] = reader


def _greenshoe(offering: Offering, user) -> dict | None:
    """The option's state for the offering's issuer, lead underwriter and staff."""
    if not (user.staff_role or user.institution_id in (offering.issuer_id, offering.underwriter_id)):
        return None
    reader = _PANELS.get("greenshoe")
    return reader(offering) if reader else None


def _t1_day(offering: Offering):
    try:
        return offering.day(1)
    except CalendarError:  # beyond the calendar's horizon: the page still renders
        return None


def _obligation_totals(offering: Offering, user) -> dict | None:
    """The issuer and the lead underwriter see the offering's totals over all participants (each
    participant's own figures stay its own); None for others."""
    if user.staff_role or user.institution_id not in (offering.issuer_id, offering.underwriter_id):
        return None
    sums = ParticipantObligation.objects.filter(offering=offering).aggregate(
        participants=Count("id"),
        orders=Sum("orders"),
        subscribed_fen=Sum("subscribed_fen"),
        available_fen=Sum("available_fen"),
        invalid_orders=Sum("invalid_orders"),
        frozen_fen=Sum("frozen_fen"),
        allocated_shares=Sum("allocated_shares"),
        deducted_fen=Sum("deducted_fen"),
        unfrozen_fen=Sum("unfrozen_fen"),
    )
    return sums if sums["participants"] else None


def offering_context(offering: Offering, user) -> dict:
    obligations = ParticipantObligation.objects.visible_to(user).filter(offering=offering).select_related("participant")
    return {
        "obligation_totals": _obligation_totals(offering, user),
        "cleared": offering.step_runs.filter(step=EodStep.T_CLEARING, status="done").exists(),
        **_stop_context(offering, user),
        "greenshoe": _greenshoe(offering, user),
        "offering": offering,
        "timeline": timeline(offering),
        "runs": offering.step_runs.all(),
        "obligations": obligations,
        "charts": charts(offering),
        "transitions": offering.transitions.select_related("actor"),
        "today": business_today(),
        "price_yuan": yuan(offering.price_fen),
        "can_pay": user.institution_id == offering.underwriter_id and offering.status == OfferingStatus.SETTLED,
        "can_read_results": bool(user.staff_role) or user.institution_id == offering.underwriter_id,
        "can_report": user.institution_id == offering.underwriter_id and offering.underwriter_account_id is None,
        "switch_signing": _switch_signing(offering, user),
        "pay_signing": _pay_signing(offering, user),
        # A failed end-of-day step and a missing underwriter account, with what to do (issue 14).
        "failed_steps": failed_steps(offering) if user.staff_role else [],
        "missing_account": missing_underwriter_account(offering),
        "t1_day": _t1_day(offering),
        "can_record_late_account": user.staff_role in ("operator", "admin") and missing_underwriter_account(offering),
        "can_load": user.staff_role == "operator"
        and offering.status in (OfferingStatus.PREPARING, OfferingStatus.APPLIED, OfferingStatus.SUBSCRIBING),
    }


def participant_context(user) -> dict:
    reserve = reserve_account_of(user.institution)
    obligations = (
        ParticipantObligation.objects.visible_to(user).select_related("offering").order_by("-offering__t_date")
    )
    return {
        "reserve": reserve,
        "balance": balance_of(reserve) if reserve else None,
        "obligations": [(o, timeline(o.offering)) for o in obligations],
        "files": ParticipantFile.objects.visible_to(user)
        .select_related("offering")
        .order_by("-business_date", "file_type"),
        "today": business_today(),
    }


def payment_notice_context(offering: Offering) -> dict:
    t1 = _step_detail(offering, EodStep.T1_SETTLE)
    paid = offering.transitions.filter(to_state=OfferingStatus.PAID).first()
    return {
        "offering": offering,
        "amount_yuan": yuan(t1.get("proceeds_fen", 0)),
        "amount_fen": t1.get("proceeds_fen", 0),
        "paid": paid,
        "number": f"JK{offering.code}{offering.day(2):%Y%m%d}",
    }


def filings_context(request, offering: Offering, *, rejected_kind: str = "") -> dict:
    """``rejected_kind``: the kind whose new upload was just refused — its earlier list is not shown
    under the errors (nor its sign button), so nobody confirms the old list believing it the new one.
    Each filing's list is paged on its own (``<kind>_page``); an export request puts the response
    under "export" for the view to return."""
    user = request.user
    rows = []
    for kind in required_kinds(offering):
        filing = offering.filings.live().filter(kind=kind).select_related("source", "returned_by").first()
        signing = None
        if kind == rejected_kind:
            rows.append(
                {
                    "kind": kind,
                    "label": FilingKind(kind).label,
                    "expected": expected_total(offering, kind),
                    "filing": filing,
                    "details": None,
                    "signing": None,
                    "rejected": True,
                    "returnable": False,
                }
            )
            continue
        if filing and filing.status == FilingStatus.VALIDATED and user.institution_id == offering.issuer_id:
            digest = submission_digest(content=filing_content(filing), files=[filing.source])
            signing = signing_context(user=user, digest=digest)
        rows.append(
            {
                "kind": kind,
                "label": FilingKind(kind).label,
                "expected": expected_total(offering, kind),
                "filing": filing,
                "details": _filing_details(request, filing, prefix=f"{kind}_") if filing else None,
                "signing": signing,
                "rejected": False,
                "returnable": bool(filing)
                and filing.status == FilingStatus.CONFIRMED
                and user.staff_role == "operator"
                and offering.status in (OfferingStatus.SETTLED, OfferingStatus.PAID),
            }
        )
    return {"offering": offering, "rows": rows, "is_issuer": user.institution_id == offering.issuer_id}


FILING_DETAIL_COLUMNS = [
    Column("account", "证券账户号码", "account.number", sort="account__number"),
    Column("name", "证券账户名称", "account_name", sort="account_name"),
    Column("id_number", "证件号码", "id_number"),
    Column("shares", "登记股数", "shares", sort="shares", numeric=True),
    Column("nature", "股份性质", "share_nature", sort="share_nature"),
    Column("unit", "托管单元", "custody_unit", sort="custody_unit"),
    Column("lockup_end", "限售截止日", "lockup_end", sort="lockup_end"),
]


def _filing_details(request, filing, *, prefix: str):
    return listing(
        request,
        filing.details.select_related("account"),
        columns=FILING_DETAIL_COLUMNS,
        default_sort="",
        search=("account__number", "account_name", "id_number"),
        filename=f"{filing.get_kind_display()}申报明细",
        prefix=prefix,
    )


def registration_result_xlsx(offering: Offering) -> bytes:
    """股份登记结果: every account registered by this offering, from the register's own log."""

    book = Workbook()
    sheet = book.active
    sheet.title = "股份登记结果"
    sheet.append(["证券代码", "证券账户", "股份性质", "限售截止日", "登记类别", "登记数量（股）", "业务日期"])
    events = (
        RegistrationEvent.objects.filter(key__startswith=f"ipo:{offering.code}:")
        .select_related("security", "account")
        .order_by("event_type", "account__number")
    )
    for e in events.iterator(chunk_size=5000):
        sheet.append(
            [
                offering.code,
                e.account.number,  # the BSE (920) code, as documented e.get_share_nature_display(),
                e.lockup_end.isoformat() if e.lockup_end else "",
                e.get_event_type_display(),
                e.quantity_delta,
                e.business_date.isoformat(),
            ]
        )
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _switch_signing(offering: Offering, user):
    """The signing context for confirming the code switch, when the issuer has one to confirm."""
    if (
        user.institution_id != offering.issuer_id
        or not offering.old_code
        or offering.code_switch_confirmed_at
        or not offering.step_runs.filter(step="code_switch", status="done").exists()
    ):
        return None
    return signing_context(user=user, digest=submission_digest(content=code_switch_content(offering)))


def declarations_of(offering: Offering, participant) -> list:
    """The participant's 附件5 rows of an offering, withdrawn ones included (they say when)."""
    return list(
        ShortfallDeclaration.objects.filter(offering=offering, participant=participant)
        .select_related("declared_by", "withdrawn_by")
        .order_by("seq")
    )


def require_results_reader(offering: Offering, user) -> None:
    """The results are the lead underwriter's (and staff's): a participant or issuer who can see the
    offering is still refused, as if it did not exist."""
    if not user.staff_role and user.institution_id != offering.underwriter_id:
        raise Http404("没有该发行的发行结果。")


def _pay_signing(offering: Offering, user):
    """The signing context of the T+2 payment: money leaves the underwriter's account, so its key signs."""
    if user.institution_id != offering.underwriter_id or offering.status != OfferingStatus.SETTLED:
        return None
    return signing_context(user=user, digest=submission_digest(content=proceeds_content(offering)), require_key=True)


def participant_of(user):
    """The user's clearing-participant profile; a member institution without one gets a 404, not a 500."""
    profile = ParticipantProfile.objects.filter(institution_id=user.institution_id).first()
    if profile is None:
        raise Http404("本机构尚未登记为结算参与人。")
    return profile
