"""Records follow the IPO's code switch: the register moves the quantities (csdp.register), the IPO
step then moves the pledge and freeze records, and a release after the switch finds its shares."""

import datetime as dt
from types import SimpleNamespace

from csdp.approvals.services import approval_approve
from csdp.register.models import Position
from csdp.restrictions.checks import restrictions_rebuild_check
from csdp.restrictions.models import FreezeStatus, PledgeStatus
from csdp.restrictions.services_release import release_apply, release_review_prepare
from csdp.securities.models import Security, SecurityCodeChange
from tests.restrictions.factories import registered_pledge
from tests.restrictions.test_freezes import _freeze, _unfreeze

NEW_CODE = "920777"


def _switch(w):
    from csdp.ipo.eod.day import _code_switch

    SecurityCodeChange.objects.create(old_code=w["stock"].code, new_code=NEW_CODE, effective_date=dt.date(2026, 4, 15))
    return _code_switch(SimpleNamespace(old_code=w["stock"].code, code=NEW_CODE))


def test_pledges_and_freezes_follow_the_code_switch(w, cast):
    pledge = registered_pledge(w, cast.operator, cast.reviewer, quantity_shares=3_000)
    freeze = _freeze(w, cast, quantity=1_000)
    result = _switch(w)
    assert result.detail["restriction_records"] == 2
    new = Security.objects.get(code=NEW_CODE)
    pledge.refresh_from_db()
    freeze.refresh_from_db()
    assert pledge.security == new and freeze.security == new
    assert restrictions_rebuild_check() == []
    lots = Position.objects.filter(account=w["account"], security=new)
    assert (sum(p.pledged for p in lots), sum(p.frozen for p in lots)) == (3_000, 1_000)


def test_a_release_and_an_unfreeze_after_the_switch_find_their_shares(w, cast):
    pledge = registered_pledge(w, cast.operator, cast.reviewer, quantity_shares=3_000)
    freeze = _freeze(w, cast, quantity=1_000)
    _switch(w)
    release = release_apply(pledge=pledge, by=w["lender"], quantity_shares=1_000)
    approval_approve(approval=release_review_prepare(release=release, by=cast.operator), by=cast.reviewer)
    freeze = _unfreeze(cast, freeze)
    pledge.refresh_from_db()
    assert pledge.status == PledgeStatus.PARTLY_RELEASED and freeze.status == FreezeStatus.RELEASED
    lots = Position.objects.filter(account=w["account"], security__code=NEW_CODE)
    assert (sum(p.pledged for p in lots), sum(p.frozen for p in lots)) == (2_000, 0)
    assert restrictions_rebuild_check() == []


def test_running_the_switch_again_moves_nothing(w, cast):
    registered_pledge(w, cast.operator, cast.reviewer, quantity_shares=3_000)
    _switch(w)
    from csdp.restrictions.switch import restrictions_follow_code_switch

    assert restrictions_follow_code_switch(old_code=w["stock"].code, new_code=NEW_CODE) == 0
