"""Reads of the issuers app. Public contract (../contracts): agent_postal_address,
issuer_securities_codes, effective_invoice_info; plus institution_info_as_of for "as of date" reads."""

from __future__ import annotations

import datetime as dt

from csdp.accounts.models import Institution, User
from csdp.issuers.choices import REGISTRATION_MATERIALS
from csdp.issuers.models import (
    InfoChangeApplication,
    InstitutionInfoVersion,
    InvoiceInfo,
    IssuerProfile,
    IssuerSecurity,
    Registration,
)
from csdp.issuers.states import APPLICATION_BLOCKING, ApplicationStatus, RegistrationStatus
from csdp.securities.models import Market, Security


def institution_info_as_of(institution, on: dt.date) -> InstitutionInfoVersion | None:
    """本机构信息 in force on ``on``: the latest version effective on or before that day."""
    return (
        InstitutionInfoVersion.objects.filter(institution=institution, effective_from__lte=on)
        .order_by("-effective_from", "-id")
        .first()
    )


def institution_info_pending(institution, after: dt.date) -> list[InstitutionInfoVersion]:
    """Approved versions that take effect after ``after`` (shown as 待生效 on the maintenance page)."""
    return list(InstitutionInfoVersion.objects.filter(institution=institution, effective_from__gt=after))


def effective_invoice_info(institution, on: dt.date) -> InvoiceInfo | None:
    """The VAT invoice information in force on ``on`` (000 §二(三): a submission counts from the next day)."""
    return (
        InvoiceInfo.objects.filter(institution=institution, effective_from__lte=on)
        .order_by("-effective_from", "-id")
        .first()
    )


def issuer_profile(institution) -> IssuerProfile | None:
    return IssuerProfile.objects.filter(institution=institution).select_related("agent").first()


def agent_postal_address(user) -> str:
    """The postal address of the user's institution's 经办人 (where a USB-KEY is mailed), or ''."""
    if not getattr(user, "institution_id", None):
        return ""
    profile = IssuerProfile.objects.filter(institution_id=user.institution_id).first()
    return profile.postal_address if profile else ""


def issuer_securities_codes(institution) -> list[str]:
    return list(IssuerSecurity.objects.filter(institution=institution).values_list("code", flat=True))


def blocking_application(institution) -> InfoChangeApplication | None:
    """A pending or rejected key-field application stops a new one (000 §二(二))."""
    return (
        InfoChangeApplication.objects.filter(institution=institution, status__in=APPLICATION_BLOCKING)
        .order_by("-submitted_at")
        .first()
    )


def applications_of(institution) -> list[InfoChangeApplication]:
    return list(InfoChangeApplication.objects.filter(institution=institution).order_by("-submitted_at"))


def registration_materials_in_order(registration) -> list:
    """The scans of a registration in the manual's order (000 §一(一)8)."""
    rank = {kind: i for i, kind in enumerate(REGISTRATION_MATERIALS)}
    return sorted(registration.materials.select_related("file"), key=lambda m: rank.get(m.kind, 99))


def registration_conflicts(registration) -> list[str]:
    """What would stop an approval now: the username, USCC or a code taken since the applicant entered
    them. Shown to the reviewer on the detail page and re-checked under the lock when approving."""
    problems = []
    if User.objects.filter(username__iexact=registration.username).exists():
        problems.append(f"用户名“{registration.username}”已被占用。")
    if Institution.objects.filter(uscc=registration.uscc).exists():
        problems.append(f"统一社会信用代码 {registration.uscc} 已注册。")
    taken = list(IssuerSecurity.objects.filter(code__in=registration.codes).values_list("code", flat=True))
    if taken:
        problems.append(f"证券代码 {'、'.join(taken)} 已属于其他发行人。")
    problems += claimed_code_problems(registration.codes)
    return problems


def claimed_code_problems(codes) -> list[str]:
    """Claimed codes checked against the securities master (rules.md §11): a code of another market
    (e.g. an SSE code) or one the master gives to another issuer would expose that company's holders
    through 信息查询. A code not in the master yet (a company before its first registration) may be
    claimed; the register's own businesses need it in the master."""
    problems = []
    for security in Security.objects.filter(code__in=list(codes or [])).select_related("issuer"):
        if security.market not in (Market.BSE, Market.NEEQ):
            problems.append(
                f"证券代码 {security.code} 为{Market(security.market).label}证券，不属于北京市场发行人服务。"
            )
        elif security.issuer_id is not None:
            problems.append(f"证券代码 {security.code} 在证券信息中属于{security.issuer}。")
    return problems


def registrations_pending() -> list[Registration]:
    return registrations_in(RegistrationStatus.SUBMITTED)


def registrations_in(status: str, limit: int = 200) -> list[Registration]:
    """Submitted-or-later registrations in one state (drafts are the applicants' own business)."""
    order = "submitted_at" if status == RegistrationStatus.SUBMITTED else "-updated_at"
    return list(
        Registration.objects.filter(status=status).exclude(status=RegistrationStatus.DRAFT).order_by(order)[:limit]
    )


def info_applications_pending() -> list[InfoChangeApplication]:
    return list(
        InfoChangeApplication.objects.filter(status=ApplicationStatus.SUBMITTED)
        .select_related("institution", "submitted_by")
        .order_by("submitted_at")
    )
