"""Settlement collateral (交收担保品) locks shares like a freeze, so nothing pledges them (seed 004 §十)."""

import datetime as dt

from csdp.register.services import register_apply
from csdp.register.selectors import pledgeable_quantity
from tests.register.conftest import DAY, event


def test_collateral_locked_shares_are_not_pledgeable_until_released(world):
    register_apply(events=[event(world, "k1", quantity=10_000)])
    register_apply(events=[event(world, "k2", event_type="collateral", frozen=4_000, day=DAY + dt.timedelta(days=1))])
    after_lock = DAY + dt.timedelta(days=1)
    assert pledgeable_quantity(account=world["account"], security=world["stock"], as_of=DAY) == 10_000
    assert pledgeable_quantity(account=world["account"], security=world["stock"], as_of=after_lock) == 6_000
    released = DAY + dt.timedelta(days=2)
    register_apply(events=[event(world, "k3", event_type="coll_release", frozen=-4_000, day=released)])
    assert pledgeable_quantity(account=world["account"], security=world["stock"], as_of=released) == 10_000


def test_the_pledge_boards_set_based_check_excludes_collateral_too(world):
    from csdp.pledge.selectors import pledgeable_many

    register_apply(
        events=[event(world, "k1", quantity=10_000), event(world, "k2", event_type="collateral", frozen=2_500)]
    )
    pair = (world["account"].pk, world["stock"].pk)
    assert pledgeable_many({pair}, DAY) == {pair: 7_500}
