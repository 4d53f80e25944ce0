"""The demo world's freeze and pledges are records, as in production: the rebuild check is clean, no
frozen or pledged demo share lies outside a record, the users see the quantities the demo always
showed, and seeding twice changes nothing."""

from __future__ import annotations

from collections import defaultdict

import pytest

from csdp.accounts.demo import demo_seed
from csdp.approvals.models import Approval
from csdp.register.models import Position, RegistrationEvent
from csdp.restrictions.checks import restrictions_rebuild_check
from csdp.restrictions.models import FREEZE_LIVE, PLEDGE_OUTSTANDING, Freeze, FreezeStatus, Pledge, PledgeStatus

pytestmark = pytest.mark.django_db


def _encumbered_positions() -> dict:
    """(account, security) → [frozen, pledged] summed over the holding's lots, where anything is."""
    out: dict = defaultdict(lambda: [0, 0])
    for p in Position.objects.filter(frozen__gt=0) | Position.objects.filter(pledged__gt=0):
        out[(p.account.number, p.security.code)][0] += p.frozen
        out[(p.account.number, p.security.code)][1] += p.pledged
    return dict(out)


def _held_by_records() -> dict:
    out: dict = defaultdict(lambda: [0, 0])
    for f in Freeze.objects.filter(status__in=FREEZE_LIVE).select_related("account", "security"):
        out[(f.account.number, f.security.code)][0] += f.frozen_shares
    for p in Pledge.objects.filter(status__in=PLEDGE_OUTSTANDING).select_related("pledgor_account", "security"):
        out[(p.pledgor_account.number, p.security.code)][1] += p.outstanding_shares
    return dict(out)


def _counts() -> tuple[int, ...]:
    return (
        Freeze.objects.count(),
        Pledge.objects.count(),
        Approval.objects.count(),
        RegistrationEvent.objects.count(),
    )


def test_every_frozen_or_pledged_demo_share_belongs_to_a_record_and_the_check_is_clean():
    demo_seed()

    assert restrictions_rebuild_check() == []
    # The check reads only keyed events; the positions themselves must hold nothing the records do not.
    assert _encumbered_positions() == _held_by_records()
    assert _held_by_records() == {("0180000001", "920819"): [3_000, 5_000], ("0880000004", "920188"): [0, 4_000_000]}


def test_the_demo_records_went_through_four_eyes_and_both_parties():
    demo_seed()

    freeze = Freeze.objects.get()
    assert freeze.status == FreezeStatus.ACTIVE
    assert (freeze.approval.prepared_by.username, freeze.approval.approved_by.username) == ("operator", "reviewer")
    pledges = {p.pledgor_user.username: p for p in Pledge.objects.all()}
    assert {name: p.status for name, p in pledges.items()} == {
        "pledger": PledgeStatus.REGISTERED,
        "pledger_gx": PledgeStatus.REGISTERED,
    }
    assert (pledges["pledger"].confirmed_by.username, pledges["pledger_gx"].confirmed_by.username) == (
        "lender_wang",
        "lender_hx",
    )
    assert all(p.approval.prepared_by_id != p.approval.approved_by_id for p in pledges.values())


def test_seeding_the_demo_twice_adds_no_record_event_or_approval():
    demo_seed()
    first = _counts()

    demo_seed()

    assert _counts() == first
    assert restrictions_rebuild_check() == []
