import pytest

from csdp.approvals.services import approval_approve
from csdp.register.models import Position, RegistrationEvent
from csdp.restrictions.checks import restrictions_rebuild_check
from csdp.restrictions.errors import RestrictionError
from csdp.restrictions.models import Deduction, FreezeStatus
from csdp.restrictions.services_deduct import deduct_prepare
from tests.restrictions.factories import LOCKUP, TODAY, registered_pledge
from tests.restrictions.test_freezes import _freeze, _totals


def _deduct(w, cast, freeze, quantity, doc="（2026）京01执恢1号"):
    approval = deduct_prepare(
        freeze=freeze, by=cast.operator, to_account=w["heir"].number, quantity_shares=quantity, document_number=doc
    )
    approval_approve(approval=approval, by=cast.reviewer)
    freeze.refresh_from_db()
    return freeze


def test_a_deduction_moves_frozen_shares_to_the_courts_account_with_their_nature(w, cast):
    freeze = _freeze(w, cast, quantity=6_000, lot=("05", LOCKUP))  # wants 6 000 of a 5 000 lot
    assert (freeze.frozen_shares, freeze.waiting_shares) == (5_000, 1_000)
    freeze = _deduct(w, cast, freeze, 3_000)
    assert (freeze.status, freeze.deducted_shares, freeze.frozen_shares) == (FreezeStatus.ACTIVE, 3_000, 2_000)
    heir = Position.objects.get(account=w["heir"], security=w["stock"])
    assert (heir.share_nature, heir.lockup_end, heir.quantity, heir.frozen) == ("05", LOCKUP, 3_000, 0)
    assert _totals(w) == (12_000, 2_000, 0)
    deduction = Deduction.objects.get()
    assert deduction.number.startswith("KH") and deduction.lots[0]["quantity_shares"] == 3_000
    assert restrictions_rebuild_check() == []


def test_deducting_all_the_court_asked_for_ends_the_freeze(w, cast):
    freeze = _deduct(w, cast, _freeze(w, cast, quantity=2_000), 2_000)
    assert (freeze.status, freeze.frozen_shares, freeze.demand_shares) == (FreezeStatus.DEDUCTED, 0, 0)
    assert _totals(w) == (13_000, 0, 0) and _totals(w, w["heir"]) == (2_000, 0, 0)
    assert restrictions_rebuild_check() == []


def test_deducting_everything_held_while_more_is_queued_leaves_the_freeze_waiting(w, cast):
    registered_pledge(w, cast.operator, cast.reviewer, quantity_shares=10_000)
    freeze = _freeze(w, cast, quantity=8_000)  # 5 000 free to take
    freeze = _deduct(w, cast, freeze, 5_000)
    assert (freeze.status, freeze.frozen_shares, freeze.waiting_shares) == (FreezeStatus.WAITING, 0, 3_000)
    assert restrictions_rebuild_check() == []


def test_a_waiting_freeze_on_the_receiving_account_takes_what_arrives(w, cast):
    from csdp.approvals.services import approval_approve as approve
    from csdp.restrictions.models import Freeze
    from csdp.restrictions.services_freeze import FreezeData, freeze_prepare

    freeze = _freeze(w, cast, quantity=1_000)
    _deduct(w, cast, freeze, 500)
    approval = freeze_prepare(
        by=cast.operator,
        data=FreezeData(
            court="另一法院",
            document_number="（2026）执9号",
            account_number=w["heir"].number,
            security_code=w["stock"].code,
            whole_holding=False,
            quantity_shares=800,
            start_date=TODAY,
            end_date=TODAY,
        ),
    )
    approve(approval=approval, by=cast.reviewer)
    on_heir = Freeze.objects.get(account=w["heir"])
    assert (on_heir.frozen_shares, on_heir.waiting_shares) == (500, 300)
    _deduct(w, cast, freeze, 500, doc="（2026）京01执恢2号")
    on_heir.refresh_from_db()
    assert (on_heir.frozen_shares, on_heir.status) == (800, FreezeStatus.ACTIVE)
    assert restrictions_rebuild_check() == []


def test_only_frozen_shares_can_be_deducted_and_refusals_leave_nothing(w, cast):
    freeze = _freeze(w, cast, quantity=1_000)
    before = RegistrationEvent.objects.count()
    with pytest.raises(RestrictionError, match="扣划数量须在 1 至 1,000 股之间"):
        _deduct(w, cast, freeze, 1_001)
    with pytest.raises(RestrictionError, match="不能是被冻结的账户本身"):
        deduct_prepare(
            freeze=freeze, by=cast.operator, to_account=w["account"].number, quantity_shares=1, document_number="x"
        )
    with pytest.raises(RestrictionError, match="不存在"):
        deduct_prepare(freeze=freeze, by=cast.operator, to_account="0999999999", quantity_shares=1, document_number="x")
    assert RegistrationEvent.objects.count() == before and not Deduction.objects.exists()


def test_the_same_person_cannot_prepare_and_approve_a_deduction(w, cast):
    from csdp.lib.errors import CsdpError

    freeze = _freeze(w, cast, quantity=1_000)
    approval = deduct_prepare(
        freeze=freeze, by=cast.operator, to_account=w["heir"].number, quantity_shares=10, document_number="x"
    )
    with pytest.raises(CsdpError):
        approval_approve(approval=approval, by=cast.operator)
    assert not Deduction.objects.exists()


def test_the_daily_file_tells_a_deduction_from_a_transfer(w, cast):
    from csdp.restrictions.files import day_rows

    _deduct(w, cast, _freeze(w, cast, quantity=1_000), 400)
    rows = day_rows(TODAY)[cast.participant.institution.code]
    assert [(r["JLLX"], r["BDSL"]) for r in rows] == [("DJ", 1_000), ("KC", 400), ("KR", 400)]
