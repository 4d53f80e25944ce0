"""What is due, per role, for the home page (issue 19 §2): pending items, today's cut-offs, overdue
notices, the user's certificate, the trading calendar's horizon and failed end-of-day work.

A selector: reads only, in a bounded number of queries, from each app's own selectors and models.
Each part is a list of ``Due`` rows; the home page shows the parts that are not empty.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.urls import reverse

from csdp.approvals.models import Approval
from csdp.accounts.roles import STAFF_ROLES, Role, role_of
from csdp.accounts.worklists import my_applications_summary, staff_queue_summary
from csdp.clock.services import business_today, clock_now, calendar_horizon, calendar_horizon_warning
from csdp.fees.models import PaymentNotice
from csdp.fees.states import NoticeStatus
from csdp.ipo.models import Offering, OfferingStatus, EodStepRun
from csdp.ipo.timeline import timeline
from csdp.keys.models import CertificateStatus
from csdp.keys.selectors import RENEWAL_OFFER_DAYS, active_key_of, certificate_days_left

PENDING_SHOWN = 8

# Whose step a milestone of the offering timeline is (csdp/ipo/timeline.py ``who``).
MILESTONE_PARTY = {Role.ISSUER: "发行人", Role.UNDERWRITER: "主承销商", Role.PARTICIPANT: "结算参与人"}


@dataclass(frozen=True)
class Due:
    title: str
    detail: str = ""
    url: str = ""
    level: str = "info"  # "overdue" (red), "today" (amber), "soon", "info"
    when: dt.datetime | dt.date | None = None


def due_for(user) -> dict[str, list[Due]]:
    role = role_of(user)
    parts = {
        "pending": _pending(user, role),
        "cutoffs": _cutoffs(user, role),
        "overdue": _overdue_fees(user, role),
        "certificate": _certificate(user),
    }
    if role in STAFF_ROLES:
        parts["calendar"] = _calendar_horizon()
        parts["eod"] = _failed_eod()
    return parts


def _pending(user, role) -> list[Due]:
    """The first items needing action and how many more (counted in the database: a queue of 5,000
    postings awaiting review is counted, not built item by item), with a link to the whole list."""
    staff = role in STAFF_ROLES
    summary = staff_queue_summary(user, PENDING_SHOWN) if staff else my_applications_summary(user, PENDING_SHOWN)
    shown = [
        Due(title=f"{i.kind}：{i.title}", detail=i.status, url=i.url, level="today", when=i.updated_at)
        for i in summary.first
    ]
    if summary.total <= len(shown):
        return shown
    more = Due(
        title=f"另有 {summary.total - len(shown):,} 项待处理",
        url=reverse("portal:staff_queue" if staff else "portal:my_applications"),
    )
    return [*shown, more]


def _cutoffs(user, role) -> list[Due]:
    """Today's steps of every offering in progress that this user (or, for staff, the office) must take,
    with their cut-off times (T+1 15:30 资金不足申报, 16:00 备付金到账 …)."""
    today, now = business_today(), clock_now()
    party = MILESTONE_PARTY.get(role, "本公司" if role in STAFF_ROLES else None)
    if party is None:
        return []
    finished = {OfferingStatus.LISTED, OfferingStatus.FAILED}
    offerings = (
        Offering.objects.visible_to(user)
        .exclude(status__in=finished)
        .filter(t_date__gte=today - dt.timedelta(days=40), t_date__lte=today + dt.timedelta(days=10))
    )
    out = []
    for offering in offerings.order_by("t_date", "pk"):
        for m in timeline(offering):
            if m.done or m.passed or m.day != today or (party not in m.who and role not in STAFF_ROLES):
                continue
            late = m.deadline is not None and now > m.deadline
            when = f"截止 {m.deadline.astimezone(dt.timezone(dt.timedelta(hours=8))):%H:%M}" if m.deadline else "今日"
            out.append(
                Due(
                    title=f"{offering.code} {offering.name}：{m.label}",
                    url=reverse("ipo:offering_detail", args=[offering.pk]),
                    detail=f"{m.who} · {when}{'（已过截止时间）' if late else ''}",
                    level="overdue" if late else "today",
                    when=m.deadline or today,
                )
            )
    return sorted(out, key=lambda d: str(d.when))


def _overdue_fees(user, role) -> list[Due]:
    if role not in (Role.ISSUER, Role.UNDERWRITER, Role.OPERATOR, Role.ADMIN):
        return []
    today = business_today()
    late = (
        PaymentNotice.objects.visible_to(user)
        .select_related("payer")
        .filter(status=NoticeStatus.ISSUED, due_date__lt=today)
        .order_by("due_date", "pk")
    )
    return [
        Due(
            title=f"付款通知 {n.number}（{n.payer.name}）逾期未缴",
            url=reverse("fees:notice_detail", kwargs={"fee_notice_id": n.pk}),
            detail=f"{n.due_date:%Y-%m-%d} 到期，已逾期 {(today - n.due_date).days} 天",
            level="overdue",
            when=n.due_date,
        )
        for n in late[:PENDING_SHOWN]
    ]


def _certificate(user) -> list[Due]:
    key = active_key_of(user)
    if key is None:
        return []
    certificate, now = key.certificate, clock_now()
    until = certificate.not_after.astimezone(dt.timezone(dt.timedelta(hours=8)))
    if certificate.status == CertificateStatus.EXPIRED or certificate.not_after <= now:
        return [
            Due(
                title=f"USB-KEY 证书已于 {until:%Y-%m-%d} 到期",
                detail="可在线申请更换 USB-KEY（证书更新），无需重新注册。",
                url=reverse("keys:renewal_apply"),
                level="overdue",
                when=until.date(),
            )
        ]
    days = certificate_days_left(certificate)
    if days > RENEWAL_OFFER_DAYS:
        return []
    level = "today" if days <= settings.CSDP_CERT_EXPIRY_WARNING_DAYS else "soon"
    return [
        Due(
            title=f"USB-KEY 证书将于 {until:%Y-%m-%d} 到期（剩余 {days} 天）",
            detail="请至少提前一个月申请更换 USB-KEY。",
            url=reverse("keys:renewal_apply"),
            level=level,
            when=until.date(),
        )
    ]


def _calendar_horizon() -> list[Due]:
    """How far the trading calendar is maintained (csdp.clock: beyond it every T±n is refused), warned
    from 60 days before its end."""
    horizon, warning = calendar_horizon(), calendar_horizon_warning()
    url = reverse("clock:calendar")
    if not warning:
        return [
            Due(
                title=f"交易日历已维护至 {horizon:%Y-%m-%d}",
                detail=f"距今 {(horizon - business_today()).days} 天",
                url=url,
                when=horizon,
            )
        ]
    overdue = horizon is None or horizon < business_today()
    return [
        Due(
            title="交易日历需导入下一年度休市安排",
            level="overdue" if overdue else "today",
            detail=warning,
            url=url,
            when=horizon or business_today(),
        )
    ]


def _failed_eod() -> list[Due]:
    out = [
        Due(
            title=f"{run.offering.code} {run.offering.name}：{run.get_step_display()} 失败",
            detail=run.error or f"业务日期 {run.business_date:%Y-%m-%d}",
            url=reverse("ipo:offering_detail", args=[run.offering_id]),
            level="overdue",
            when=run.business_date,
        )
        for run in EodStepRun.objects.select_related("offering")
        .filter(status="failed")
        .order_by("-business_date", "-pk")[:PENDING_SHOWN]
    ]
    failed = Approval.objects.filter(status="failed").order_by("-pk")[:PENDING_SHOWN]
    out += [
        Due(
            title=f"日终执行失败：{a.summary}",
            detail=a.failure,
            url=reverse("approvals:detail", args=[a.pk]),
            level="overdue",
        )
        for a in failed
    ]
    return out
