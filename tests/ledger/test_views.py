from csdp.ledger.services import hold_create
from tests.ledger.conftest import DAY


def test_a_participant_sees_its_reserve_posted_pending_and_available(funded, cast, client_for):
    hold_create(
        debit=funded["reserve"], credit=funded["clearing"], amount_fen=250_000, key="h", code="ipo", business_date=DAY
    )
    page = client_for(cast.participant).get("/ledger/reserve/").content.decode()
    assert "10,000.00" in page and "2,500.00" in page and "7,500.00" in page


def test_the_reserve_balance_api_answers_in_fen(funded, cast, client_for):
    response = client_for(cast.participant).get("/api/v1/ledger/reserve-balance")
    assert response.json() == {
        "account_number": "P001-RES",
        "kind": "participant_reserve",
        "currency": "CNY",
        "posted_fen": 1_000_000,
        "pending_fen": 0,
        "available_fen": 1_000_000,
    }


def test_an_issuer_has_no_reserve_balance(funded, cast, client_for):
    assert client_for(cast.issuer_a).get("/api/v1/ledger/reserve-balance").status_code == 403


def test_staff_read_a_statement_with_a_running_balance(funded, cast, client_for):
    page = client_for(cast.operator).get(
        f"/ledger/{funded['reserve'].pk}/statement/", {"from": DAY.isoformat(), "to": DAY.isoformat()}
    )
    assert page.status_code == 200 and "10,000.00" in page.content.decode()
