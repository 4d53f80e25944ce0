"""Writes to the securities master and the parties. Each validates on the server and raises
SecuritiesError with a Chinese message; nothing is half-saved."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from csdp.accounts.models import Institution
from csdp.accounts.roles import InstitutionKind
from csdp.audit.services import audit_record
from csdp.clock.services import clock_now
from csdp.securities.models import (
    SECURITY_MACHINE,
    CustodyUnit,
    Investor,
    ParticipantProfile,
    SecuritiesAccount,
    Security,
    SecurityCodeChange,
    SecurityStatus,
    SecurityTransition,
)
from csdp.lib.errors import CsdpError
from csdp.lib.statemachine import SYSTEM, actor_kind, transition_record


class SecuritiesError(CsdpError):
    code = "securities.refused"


def _full_clean(obj) -> None:
    try:
        obj.full_clean()
    except ValidationError as error:
        raise SecuritiesError("；".join(m for ms in error.message_dict.values() for m in ms)) from None


@transaction.atomic
def security_create(*, code: str, name: str, kind: str, market: str, status: str = "listed", issuer=None) -> Security:
    security = Security(code=code, name=name, kind=kind, market=market, status=status, issuer=issuer)
    _full_clean(security)
    security.save()
    return security


@transaction.atomic
def security_status_change(*, security: Security, to: str, actor, reason: str) -> Security:
    """Move a security to another status if SECURITY_MACHINE allows it; a transition row and an
    audit event record who, when, from, to and why. Moving to the current status is a no-op."""
    security = Security.objects.select_for_update().get(pk=security.pk)
    if security.status == to:
        return security
    if not SECURITY_MACHINE.allowed(security.status, to):
        raise SecuritiesError(
            f"证券 {security.code} 不能由“{SecurityStatus(security.status).label}”变为“{SecurityStatus(to).label}”。"
        )
    previous = security.status
    transition_record(
        machine=SECURITY_MACHINE,
        subject=security,
        to_state=to,
        history=SecurityTransition,
        actor=actor,
        by=actor_kind(actor, otherwise=SYSTEM),
        reason=reason,
        at=clock_now(),
    )
    audit_record(
        actor=actor, obj=security, action="security_status_change", from_state=previous, to_state=to, reason=reason
    )
    return security


@transaction.atomic
def security_code_change_register(
    *, old_code: str, new_code: str, effective_date: dt.date, reason: str = ""
) -> SecurityCodeChange:
    """Record one pair of the mapping table. The register moves only in register.security_code_switch."""
    change = SecurityCodeChange(old_code=old_code, new_code=new_code, effective_date=effective_date, reason=reason)
    _full_clean(change)
    change.save()
    return change


@transaction.atomic
def investor_create(*, ymt_number: str, name: str, id_type: str, id_number: str, holder_type: str) -> Investor:
    investor = Investor(
        ymt_number=ymt_number, name=name, id_type=id_type, id_number=id_number.strip().upper(), holder_type=holder_type
    )
    _full_clean(investor)
    investor.save()
    return investor


@transaction.atomic
def account_open(
    *, number: str, investor: Investor, market: str, custody_unit: CustodyUnit | None = None, mobile: str = ""
) -> SecuritiesAccount:
    account = SecuritiesAccount(
        number=number, investor=investor, market=market, custody_unit=custody_unit, mobile=mobile
    )
    _full_clean(account)
    account.save()
    return account


@transaction.atomic
def participant_profile_create(*, institution: Institution, code: str) -> ParticipantProfile:
    if institution.kind != InstitutionKind.PARTICIPANT:
        raise SecuritiesError("只有结算参与人机构可以登记结算参与人资料。")
    profile = ParticipantProfile(institution=institution, code=code)
    _full_clean(profile)
    profile.save()
    return profile


@transaction.atomic
def custody_unit_create(*, participant: ParticipantProfile, code: str, name: str = "") -> CustodyUnit:
    unit = CustodyUnit(participant=participant, code=code, name=name)
    _full_clean(unit)
    unit.save()
    return unit


# -- corrections of master data (csdp/securities/records.py): never the key, never holdings or money ---------
def _changed(obj, **values) -> object:
    """Set the given fields, validate the whole row, save only those fields."""
    for name, value in values.items():
        setattr(obj, name, value)
    _full_clean(obj)
    obj.save(update_fields=list(values))
    return obj


@transaction.atomic
def security_update(*, security: Security, name: str, kind: str, market: str, issuer=None) -> Security:
    """Name, category, market and issuer. The status moves only through security_status_change (its
    machine and transition rows); the code only through a code change (rules.md §5)."""
    security = Security.objects.select_for_update().get(pk=security.pk)
    return _changed(security, name=name, kind=kind, market=market, issuer=issuer)


@transaction.atomic
def investor_update(*, investor: Investor, name: str, id_type: str, id_number: str, holder_type: str) -> Investor:
    investor = Investor.objects.select_for_update().get(pk=investor.pk)
    # updated_at saved too (auto_now): the 持有人名册 snapshots re-read the names changed after them.
    return _changed(
        investor,
        name=name,
        id_type=id_type,
        id_number=id_number.strip().upper(),
        holder_type=holder_type,
        updated_at=timezone.now(),
    )


@transaction.atomic
def account_update(*, account: SecuritiesAccount, mobile: str) -> SecuritiesAccount:
    """Only the reserved mobile: the holder (investor) and the custody unit decide whose holdings these
    are and who services them, so they change only through their own businesses (转托管, 非交易过户)."""
    account = SecuritiesAccount.objects.select_for_update().get(pk=account.pk)
    return _changed(account, mobile=mobile)


@transaction.atomic
def custody_unit_update(*, unit: CustodyUnit, name: str) -> CustodyUnit:
    """Only the name: moving a unit to another participant would move its accounts' holdings with it."""
    unit = CustodyUnit.objects.select_for_update().get(pk=unit.pk)
    return _changed(unit, name=name)
