from csdp.register.services import register_apply
from tests.register.conftest import event


def test_staff_read_an_accounts_positions_through_the_api(world, cast, client_for):
    register_apply(events=[event(world, "a", quantity=1_000), event(world, "p", "pledge", pledged=300)])
    response = client_for(cast.operator).get("/api/v1/register/accounts/0180000001/positions")
    assert response.json()["items"] == [
        {
            "security_code": "920188",
            "security_name": "悦龙科技",
            "share_nature": "00",
            "lockup_end": None,
            "quantity": 1_000,
            "frozen": 0,
            "pledged": 300,
            "available": 700,
        }
    ]


def test_an_unknown_account_is_a_404_for_staff(world, cast, client_for):
    assert client_for(cast.operator).get("/api/v1/register/accounts/0199999999/positions").status_code == 404


def test_the_holders_page_lists_every_holder_of_a_security(world, cast, client_for):
    register_apply(events=[event(world, "a", quantity=1_000), event(world, "b", quantity=2_000, account="other")])
    page = client_for(cast.reviewer).get(f"/register/securities/{world['stock'].pk}/positions/").content.decode()
    assert "0180000001" in page and "0180000002" in page and "3,000" in page


def test_the_holders_page_runs_a_fixed_number_of_queries(world, cast, client_for, django_assert_max_num_queries):
    register_apply(
        events=[event(world, f"k{n}", quantity=100 + n, account=who) for n, who in enumerate(["account", "other"])]
    )
    client = client_for(cast.reviewer)
    with django_assert_max_num_queries(12):
        client.get(f"/register/securities/{world['stock'].pk}/positions/")


def test_the_account_changes_page_lists_each_change_with_the_balance_after_it(world, cast, client_for):
    register_apply(
        events=[
            event(world, "a", quantity=1_000),
            event(world, "p", "pledge", pledged=300),
            event(world, "o", quantity=2_000, account="other"),
        ]
    )
    page = client_for(cast.reviewer).get("/register/accounts/0180000001/changes/").content.decode()
    assert "股份初始登记" in page and "质押登记" in page and "张明" in page
    assert "2,000" not in page  # another account's change is not on this page


def test_the_account_changes_page_filters_by_security_and_period(world, cast, client_for):
    import datetime as dt

    register_apply(
        events=[
            event(world, "a", quantity=1_000, day=dt.date(2026, 3, 2)),
            event(world, "f", "freeze", frozen=400, day=dt.date(2026, 3, 20)),
            event(world, "n", quantity=7_000, day=dt.date(2026, 3, 20), security="neeq"),
        ]
    )
    client = client_for(cast.operator)
    page = client.get(
        "/register/accounts/0180000001/changes/", {"security": "920188", "date_from": "2026-03-10"}
    ).content.decode()
    assert "司法冻结" in page and "股份初始登记" not in page and "7,000" not in page
    assert "1,000" in page  # the freeze row carries the holding built up before the period


def test_the_account_changes_page_explains_a_bad_filter(world, cast, client_for):
    page = (
        client_for(cast.operator).get("/register/accounts/0180000001/changes/", {"security": "999999"}).content.decode()
    )
    assert "不在证券主数据中" in page


def test_the_account_lookup_links_each_holding_to_its_changes(world, cast, client_for):
    register_apply(events=[event(world, "a", quantity=1_000)])
    page = client_for(cast.operator).get("/securities/accounts/", {"q": "0180000001"}).content.decode()
    assert "/register/accounts/0180000001/changes/?security=920188" in page


def test_the_account_changes_page_runs_a_fixed_number_of_queries(
    world, cast, client_for, django_assert_max_num_queries
):
    register_apply(events=[event(world, f"k{n}", quantity=100 + n) for n in range(12)])
    client = client_for(cast.reviewer)
    with django_assert_max_num_queries(10):
        client.get("/register/accounts/0180000001/changes/")
