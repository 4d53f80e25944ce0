from csdp.register.services import register_apply
from tests.register.conftest import event


def test_staff_read_an_accounts_positions_through_the_api(world, cast, client_for):
    register_apply(events=[event(world, "a", quantity=1_000), event(world, "p", "pledge", pledged=300)])
    response = client_for(cast.operator).get("/api/v1/register/accounts/0180000001/positions")
    assert response.json() == [{"security_code": "920188", "security_name": "悦龙科技", "share_nature": "00",
                                "lockup_end": None, "quantity": 1_000, "frozen": 0, "pledged": 300, "available": 700}]


def test_an_unknown_account_is_a_404_for_staff(world, cast, client_for):
    assert client_for(cast.operator).get("/api/v1/register/accounts/0199999999/positions").status_code == 404


def test_the_holders_page_lists_every_holder_of_a_security(world, cast, client_for):
    register_apply(events=[event(world, "a", quantity=1_000), event(world, "b", quantity=2_000, account="other")])
    page = client_for(cast.reviewer).get(f"/register/securities/{world['stock'].pk}/positions/").content.decode()
    assert "0180000001" in page and "0180000002" in page and "3,000" in page


def test_the_holders_page_runs_a_fixed_number_of_queries(world, cast, client_for, django_assert_max_num_queries):
    register_apply(events=[event(world, f"k{n}", quantity=100 + n, account=who)
                           for n, who in enumerate(["account", "other"])])
    client = client_for(cast.reviewer)
    with django_assert_max_num_queries(12):
        client.get(f"/register/securities/{world['stock'].pk}/positions/")
