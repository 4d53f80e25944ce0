from __future__ import annotations

from django.db.models import Q, QuerySet

from csdp.securities.models import SecuritiesAccount, Security, SecurityCodeChange


def security_by_code(code: str) -> Security | None:
    return Security.objects.filter(code=code).first()


def code_history(security: Security) -> QuerySet[SecurityCodeChange]:
    """Every mapping row that led to or from this code, oldest first."""
    return SecurityCodeChange.objects.filter(Q(old_code=security.code) | Q(new_code=security.code))


def mapped_code(old_code: str) -> str | None:
    """The new code of an old one from the mapping table, or None (never computed by formula: rules.md §5)."""
    return SecurityCodeChange.objects.filter(old_code=old_code).values_list("new_code", flat=True).first()


def accounts_lookup(user, query: str) -> QuerySet[SecuritiesAccount]:
    """Accounts matching a 10-character account number or a 12-digit 一码通 number, as the user may see."""
    query = (query or "").strip().upper()
    visible = SecuritiesAccount.objects.visible_to(user).select_related("investor", "custody_unit")
    if len(query) == 10:
        return visible.filter(number=query)
    if len(query) == 12:
        return visible.filter(investor__ymt_number=query)
    return visible.none()
