"""Shares are conserved through every combination of (a) additional issuance and (b) transfers from
the special account (002 §2.2): the register grows by exactly the registered issuance, transfers move
shares without creating any, no investor gets more than its agreement, and (a)+(b) stay within the limit."""

import pytest
from django.db import transaction
from django.db.models import Sum
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from csdp.greenshoe.errors import FilingRejected, GreenshoeError
from csdp.greenshoe.models import FilingKind, FilingStatus
from csdp.greenshoe.services import filing_register, filing_reject, filing_submit
from csdp.register.models import Position
from tests.greenshoe import world
from tests.greenshoe.test_services import FIRST

pytestmark = pytest.mark.django_db
BOUGHT = 80_000

steps = st.lists(
    st.tuples(
        st.sampled_from([FilingKind.ISSUANCE, FilingKind.TRANSFER]),
        st.integers(0, 2),
        st.integers(1, 70_000),
        st.booleans(),
    ),
    min_size=1,
    max_size=6,
)


class Rollback(Exception):
    pass


@pytest.fixture
def greenshoe(cast):
    option, security, special, accounts = world.build(cast, market_bought=BOUGHT)
    world.at(FIRST)
    return cast, option, security, special, accounts


def _total(security) -> int:
    return Position.objects.filter(security=security).aggregate(n=Sum("quantity"))["n"] or 0


def _run(cast, option, special, accounts, kind, index, shares, approve):
    account = accounts[index]
    if kind == FilingKind.ISSUANCE:
        user, stored = cast.issuer_a, world.dj_file(cast.issuer_a, [world.dj_row(account, shares)])
    else:
        user, stored = cast.underwriter, world.csplw_file(cast.underwriter, [world.csplw_row(special, account, shares)])
    try:
        filing = world.signed(filing_submit(option=option, kind=kind, stored=stored, actor=user), user)
    except (FilingRejected, GreenshoeError):
        return
    try:
        if approve:
            filing_register(filing=filing, actor=cast.reviewer)
        else:
            filing_reject(filing=filing, actor=cast.reviewer, reason="随机退回")
    except GreenshoeError:  # e.g. the special account does not hold enough yet
        filing_reject(filing=filing, actor=cast.reviewer, reason="登记失败后退回")


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps)
def test_shares_are_conserved_through_any_mix_of_issuance_and_transfer(greenshoe, plan):
    cast, option, security, special, accounts = greenshoe
    agreed = {a.account_id: a.shares for a in option.agreements.all()}
    start = _total(security)
    try:
        with transaction.atomic():
            for kind, index, shares, approve in plan:
                _run(cast, option, special, accounts, kind, index, shares, approve)
                registered = option.filings.filter(status=FilingStatus.REGISTERED)
                issued = registered.filter(kind=FilingKind.ISSUANCE).aggregate(n=Sum("total_shares"))["n"] or 0
                moved = registered.filter(kind=FilingKind.TRANSFER).aggregate(n=Sum("total_shares"))["n"] or 0
                assert _total(security) == start + issued
                assert issued + moved <= option.limit_shares
                held_special = Position.objects.get(account=special.account, security=security).quantity
                assert held_special == BOUGHT - moved
                for account in accounts:
                    got = (
                        Position.objects.filter(account=account, security=security).aggregate(n=Sum("quantity"))["n"]
                        or 0
                    )
                    assert got <= agreed[account.pk]
            raise Rollback
    except Rollback:
        pass
