import datetime as dt

import pytest

from csdp.audit.models import AuditEvent
from csdp.register.models import EventType, RegistrationEvent
from csdp.register.selectors import holders_of, holdings_of, pledgeable_quantity, register_rebuild_check
from csdp.register.services import RegisterError, register_apply, security_code_switch
from csdp.securities.models import Security, SecurityStatus
from tests.register.conftest import event

SWITCH = dt.date(2025, 10, 9)
BEFORE = dt.date(2025, 9, 30)
LOCKUP = dt.date(2026, 6, 30)


@pytest.fixture
def holders(world):
    register_apply(
        events=[
            event(world, "a", quantity=10_000, day=BEFORE, security="neeq"),
            event(world, "f", "freeze", frozen=1_000, day=BEFORE, security="neeq"),
            event(world, "p", "pledge", pledged=2_000, day=BEFORE, security="neeq"),
            event(world, "r", "initial", quantity=3_000, day=BEFORE, security="neeq", nature="05", lockup_end=LOCKUP),
            event(world, "o", quantity=500, day=BEFORE, security="neeq", account="other"),
        ]
    )
    return world


def _totals(rows):
    return sum(r.quantity for r in rows), sum(r.frozen for r in rows), sum(r.pledged for r in rows)


def test_the_code_switch_moves_totals_freezes_and_pledges_to_the_new_code(holders, cast):
    before = _totals(holders_of(holders["neeq"]))
    security_code_switch(old_code="833819", new_code="920819", effective_date=SWITCH, actor=cast.operator)
    new = Security.objects.get(code="920819")
    assert _totals(holders_of(new)) == before == (13_500, 1_000, 2_000)
    assert holders_of(Security.objects.get(code="833819")) == []
    codes = {
        (h.security.code, h.share_nature, h.lockup_end, h.frozen, h.pledged) for h in holdings_of(holders["account"])
    }
    assert codes == {("920819", "00", None, 1_000, 2_000), ("920819", "05", LOCKUP, 0, 0)}
    assert register_rebuild_check() == []


def test_the_code_switch_leaves_events_on_both_sides_and_an_audit_row(holders, cast):
    security_code_switch(old_code="833819", new_code="920819", effective_date=SWITCH, actor=cast.operator)
    assert RegistrationEvent.objects.filter(event_type=EventType.CODE_SWITCH_OUT).count() == 3
    assert RegistrationEvent.objects.filter(event_type=EventType.CODE_SWITCH_IN).count() == 3
    assert Security.objects.get(code="833819").status == SecurityStatus.SWITCHED
    assert AuditEvent.objects.filter(action="security_status_change", to_state="switched").exists()


def test_running_the_code_switch_twice_changes_nothing(holders, cast):
    security_code_switch(old_code="833819", new_code="920819", effective_date=SWITCH, actor=cast.operator)
    count = RegistrationEvent.objects.count()
    security_code_switch(old_code="833819", new_code="920819", effective_date=SWITCH, actor=cast.operator)
    assert RegistrationEvent.objects.count() == count


def test_a_code_switch_absent_from_the_mapping_table_is_refused(holders, cast):
    with pytest.raises(RegisterError, match="代码对照表"):
        security_code_switch(old_code="833819", new_code="920820", effective_date=SWITCH, actor=cast.operator)


def test_the_old_code_takes_no_new_business_after_the_switch(holders, cast):
    security_code_switch(old_code="833819", new_code="920819", effective_date=SWITCH, actor=cast.operator)
    with pytest.raises(RegisterError, match="已转换代码"):
        register_apply(events=[event(holders, "late", "freeze", frozen=1, security="neeq")])


def test_pledgeable_quantity_is_continuous_across_the_switch(holders, cast):
    security_code_switch(old_code="833819", new_code="920819", effective_date=SWITCH, actor=cast.operator)
    new = Security.objects.get(code="920819")
    for day in (BEFORE, SWITCH, SWITCH + dt.timedelta(days=1)):
        assert pledgeable_quantity(account=holders["account"], security=new, as_of=day) == 7_000
