"""Objects for the URL × role matrix (tests/access_policy.py OBJECTS)."""

from __future__ import annotations

from csdp.ledger.models import AccountKind
from csdp.ledger.services import ledger_account_open
from csdp.lib.ids import make_resident_id
from csdp.securities.models import SecuritiesAccount, Security
from csdp.securities.services import account_open, investor_create, security_create

EVERYONE = {"issuer_a", "issuer_b", "underwriter", "participant", "pledge_user", "reviewer", "operator", "admin"}
STAFF = {"reviewer", "operator", "admin"}


def security(cast):
    """Issuer A's security: public market data, so every signed-in member may see the row."""
    row = Security.objects.filter(code="920001").first() or security_create(
        code="920001", name="甲发行人", kind="stock", market="BSE", issuer=cast.issuer_a.institution
    )
    return str(row.pk), EVERYONE


def ledger_account(cast):
    """The participant's reserve account: the participant and staff."""
    row = ledger_account_open(
        number="P001-RES",
        name="丁证券 综合结算备付金账户",
        kind=AccountKind.PARTICIPANT_RESERVE,
        owner=cast.participant.institution,
    )
    return str(row.pk), {"participant"} | STAFF


def securities_account(cast):
    """An investor's securities account: staff only."""
    existing = SecuritiesAccount.objects.filter(number="0180009999").first()
    if existing:
        return existing.number, STAFF
    investor = investor_create(
        ymt_number="180000009999",
        name="矩阵测试",
        id_type="resident_id",
        id_number=make_resident_id("11010519900101001"),
        holder_type="03",
    )
    return account_open(number="0180009999", investor=investor, market="BSE").number, STAFF
