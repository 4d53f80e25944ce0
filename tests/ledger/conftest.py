import datetime as dt

import pytest

from csdp.ledger.models import AccountKind
from csdp.ledger.services import ledger_account_open, transfer_post

DAY = dt.date(2026, 3, 16)


@pytest.fixture
def accounts(cast):
    """The depository's bank (external, money comes from it), a participant's reserve, the underwriter's
    reserve, the IPO clearing account and an issuer's bank account."""
    participant = cast.participant.institution
    return {
        "bank": ledger_account_open(number="DEP-BANK", name="结算备付金专用存款账户", kind=AccountKind.DEPOSITORY_BANK),
        "reserve": ledger_account_open(
            number="P001-RES", name="综合结算备付金账户", kind=AccountKind.PARTICIPANT_RESERVE, owner=participant
        ),
        "underwriter": ledger_account_open(
            number="UW01-RES",
            name="自营结算备付金账户",
            kind=AccountKind.UNDERWRITER_RESERVE,
            owner=cast.underwriter.institution,
        ),
        "clearing": ledger_account_open(number="IPO-CLR", name="新股申购资金清算户", kind=AccountKind.IPO_CLEARING),
        "issuer": ledger_account_open(
            number="ISS-A-BANK", name="发行人银行账户", kind=AccountKind.ISSUER_BANK, owner=cast.issuer_a.institution
        ),
    }


@pytest.fixture
def funded(accounts):
    transfer_post(
        debit=accounts["bank"],
        credit=accounts["reserve"],
        amount_fen=1_000_000,
        key="deposit-1",
        code="deposit",
        business_date=DAY,
    )
    return accounts
