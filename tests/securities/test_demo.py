from csdp.ledger.models import Transfer
from csdp.lib.ids import resident_id_problem
from csdp.ledger.demo import seed_ledger
from csdp.accounts.demo import seed_users
from csdp.register.demo import seed_register
from csdp.register.models import Position, RegistrationEvent
from csdp.register.selectors import pledgeable_quantity, register_rebuild_check
from csdp.securities.demo import DEMO_ZHANG_MING_ID, seed_securities
from csdp.securities.models import Investor, SecuritiesAccount, Security


def demo_seed():
    """Only this area's seeders (the whole world is tested by the portal): users, then ours in order."""
    for seeder in (seed_users, seed_securities, seed_ledger, seed_register):
        seeder()


def _counts():
    return (
        Transfer.objects.count(),
        RegistrationEvent.objects.count(),
        Position.objects.count(),
        Security.objects.count(),
    )


def test_the_demo_world_seeds_twice_without_change_and_matches_its_log(db):
    import datetime as dt

    demo_seed()
    first = _counts()
    demo_seed()
    assert _counts() == first
    assert register_rebuild_check() == []
    zhang = Investor.objects.get(id_number=DEMO_ZHANG_MING_ID)
    assert zhang.name == "张明" and resident_id_problem(zhang.id_number) is None
    account = SecuritiesAccount.objects.get(number="0180000001")
    # 20,000 shares of 920819 (ex-833819); the demo's freeze and pledge on them are records seeded by
    # csdp.restrictions.demo (tests/restrictions/test_demo.py), not bare register events.
    assert (
        pledgeable_quantity(account=account, security=Security.objects.get(code="920819"), as_of=dt.date(2026, 3, 31))
        == 20_000
    )
    # 920188: the 8,000 限售 shares are excluded, the 500 allocated ones are not.
    assert (
        pledgeable_quantity(account=account, security=Security.objects.get(code="920188"), as_of=dt.date(2026, 3, 31))
        == 500
    )
