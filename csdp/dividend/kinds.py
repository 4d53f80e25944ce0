"""Four-eyes kinds of 权益分派 (csdp/approvals): the plan (from the accepted counter application) and
its withdrawal before R. What a reviewer approves is exactly the payload applied; what the reviewer
reads of it is ``_describe_plan`` / ``_describe_withdraw`` (names, amounts in words, dates, links)."""

from __future__ import annotations

import datetime as dt

from django.urls import reverse

from csdp.accounts.models import Institution
from csdp.accounts.roles import Role
from csdp.approvals.kinds import Shown, register_kind
from csdp.counter.handling import application_return_on_review
from csdp.counter.models import Application, ApplicationRound
from csdp.dividend.dates import Dates, dates_for
from csdp.dividend.engine.rates import micro_text
from csdp.dividend.models import Distribution, Method
from csdp.lib.env import ConfigError
from csdp.securities.models import Security

PLAN, WITHDRAW = "dividend.plan", "dividend.withdraw"


def _security_line(code: str) -> Shown:
    name = Security.objects.filter(code=code).values_list("name", flat=True).first()
    return Shown("证券", f"{code} {name or ''}".strip())


def _dates_lines(distribution: Distribution | None, record_date: dt.date, *, cash: bool = True) -> list[Shown]:
    """The scheduled distribution's dates, or before approval the dates the rule derives now (dates.py);
    the funding deadline only for a plan with cash (no cash, nothing to fund)."""
    d: Distribution | Dates
    if distribution is not None:
        d = distribution
    else:
        try:
            d = dates_for(record_date)
        except (ValueError, ConfigError) as error:
            return [Shown("股权登记日", f"{record_date:%Y-%m-%d}"), Shown("其余日期", str(error))]
    return [
        Shown("股权登记日", f"{d.record_date:%Y-%m-%d}"),
        Shown("除权除息日", f"{d.ex_date:%Y-%m-%d}"),
        Shown("派息日", f"{d.pay_date:%Y-%m-%d}"),
        Shown("红股上市日", f"{d.list_date:%Y-%m-%d}"),
        *([Shown("代派资金截止日", f"{d.funding_deadline:%Y-%m-%d}")] if cash else []),
    ]


def _resolution_line(application_id: int | None) -> list[Shown]:
    """The shareholders' resolution's date, as the issuer signed it in the application's latest round."""
    round_ = (
        ApplicationRound.objects.filter(application_id=application_id, signed_at__isnull=False)
        .order_by("-number")
        .first()
    )
    resolution = (round_.data or {}).get("resolution_date") if round_ is not None else None
    return [Shown("股东大会决议日期", resolution)] if resolution else []


def _distribution_line(distribution: Distribution) -> Shown:
    return Shown(
        "权益分派",
        f"{distribution.security.code} {distribution.get_status_display()}",
        reverse("dividend:detail", args=[distribution.pk]),
    )


def _describe_plan(approval) -> list[Shown]:
    p = approval.payload
    distribution = None
    if "distribution_id" in (approval.result or {}):
        distribution = (
            Distribution.objects.select_related("security").filter(pk=approval.result["distribution_id"]).first()
        )
    issuer = Institution.objects.filter(pk=p["issuer_id"]).values_list("name", flat=True).first()
    lines = [
        Shown("发行人", issuer or "—"),
        _security_line(p["code"]),
        Shown("每10股派现金（含税）", f"{micro_text(p['cash_micro'])} 元"),
        Shown("每10股送股", f"{micro_text(p['bonus_micro'])} 股"),
        Shown("每10股转增", f"{micro_text(p['transfer_micro'])} 股"),
        *_resolution_line(p.get("application_id")),
        *_dates_lines(distribution, dt.date.fromisoformat(p["record_date"]), cash=bool(p["cash_micro"])),
        Shown("尾数处理", Method(p.get("method", Method.PRECISE)).label),
    ]
    if p.get("application_id"):
        lines.append(Shown("虚拟柜台申请", "查看申请及附件", reverse("counter:detail", args=[p["application_id"]])))
    if distribution is not None:
        lines.append(_distribution_line(distribution))
    return lines


def _describe_withdraw(approval) -> list[Shown]:
    distribution = (
        Distribution.objects.select_related("security", "issuer").filter(pk=approval.payload["distribution_id"]).first()
    )
    if distribution is None:
        return [Shown("撤销原因", approval.payload.get("reason", ""))]
    d = distribution
    return [
        Shown("发行人", d.issuer.name),
        Shown("证券", f"{d.security.code} {d.security.name}"),
        Shown("每10股派现金（含税）", f"{micro_text(d.cash_micro)} 元"),
        Shown("每10股送股", f"{micro_text(d.bonus_micro)} 股"),
        Shown("每10股转增", f"{micro_text(d.transfer_micro)} 股"),
        *_dates_lines(d, d.record_date, cash=bool(d.cash_micro)),
        Shown("撤销原因", approval.payload.get("reason", "")),
        _distribution_line(d),
    ]


def _apply_plan(approval) -> dict:
    from csdp.dividend.services import distribution_schedule  # here: dividend.services imports this module

    distribution = distribution_schedule(payload=approval.payload, actor=approval.approved_by)
    return {
        "distribution_id": distribution.pk,
        "record_date": str(distribution.record_date),
        "pay_date": str(distribution.pay_date),
        "list_date": str(distribution.list_date),
    }


def _apply_withdraw(approval) -> dict:
    from csdp.dividend.services import distribution_withdraw  # here: dividend.services imports this module

    distribution = distribution_withdraw(
        distribution_id=approval.payload["distribution_id"],
        reason=approval.payload["reason"],
        actor=approval.approved_by,
    )
    return {"distribution_id": distribution.pk, "status": distribution.status}


def _plan_rejected(approval, *, by, reason: str) -> None:
    """The reviewer refused the plan: its counter application goes back to the issuer with the reason
    (as the register's businesses do), instead of staying 办理中 with nothing left to approve."""
    application = Application.objects.filter(pk=approval.payload.get("application_id")).first()
    if application is not None:
        application_return_on_review(application=application, actor=by, reason=reason)


register_kind(
    code=PLAN,
    label="权益分派方案",
    apply=_apply_plan,
    describe=_describe_plan,
    on_reject=_plan_rejected,
    preparers={Role.OPERATOR, Role.ADMIN},
    approvers={Role.REVIEWER, Role.ADMIN},
)
register_kind(
    code=WITHDRAW,
    label="权益分派撤销",
    apply=_apply_withdraw,
    describe=_describe_withdraw,
    preparers={Role.OPERATOR, Role.ADMIN},
    approvers={Role.REVIEWER, Role.ADMIN},
)
