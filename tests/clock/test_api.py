"""The calendar API: trading days in a range and T±n, for any logged-in role."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db


def test_it_lists_the_trading_days_of_february_2026(cast, client_for):
    response = client_for(cast.participant).get(
        "/api/v1/calendar/trading-days", {"start": "2026-02-09", "end": "2026-02-27"}
    )

    assert response.status_code == 200
    assert response.json()["next_cursor"] is None
    assert response.json()["items"] == [
        "2026-02-09",
        "2026-02-10",
        "2026-02-11",
        "2026-02-12",
        "2026-02-13",
        "2026-02-24",
        "2026-02-25",
        "2026-02-26",
        "2026-02-27",
    ]


@pytest.mark.parametrize(
    "params",
    [{"start": "2026-03-01", "end": "2026-02-01"}, {"start": "2024-01-01", "end": "2026-12-31"}],
    ids=["end-before-start", "longer-than-800-days"],
)
def test_a_bad_range_is_answered_with_422_and_a_chinese_reason(cast, client_for, params):
    response = client_for(cast.issuer_a).get("/api/v1/calendar/trading-days", params)

    assert response.status_code == 422
    assert "区间无效" in response.json()["detail"]


def test_it_answers_t_plus_n_across_the_spring_festival(cast, client_for):
    response = client_for(cast.reviewer).get("/api/v1/calendar/offset", {"day": "2026-02-13", "n": 1})

    assert (response.status_code, response.json()) == (200, "2026-02-24")


def test_t_plus_zero_on_a_weekend_is_answered_with_422(cast, client_for):
    response = client_for(cast.reviewer).get("/api/v1/calendar/offset", {"day": "2026-02-14", "n": 0})

    assert response.status_code == 422
    assert "不是交易日" in response.json()["detail"]


def test_an_anonymous_caller_gets_401(db, client_for):
    response = client_for(None).get("/api/v1/calendar/offset", {"day": "2026-02-13", "n": 1})

    assert response.status_code == 401
