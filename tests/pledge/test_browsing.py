"""004 §十四: every user with access sees summaries; details, filtering and sorting only for a user
whose own posting is published and within validity — on the page and through the API."""

import datetime as dt

import pytest
from django.urls import reverse

from csdp.pledge.models import PledgeProfile, Side
from csdp.pledge.states import PostingStatus
from tests.pledge.factories import TODAY, posting

API = "/api/v1/pledge/postings"


@pytest.fixture
def board(lender, zhang, world):
    return {
        "loan": posting(lender, title="五百万出借资金", amount_fen=5_000_000_00, rate_bp=700, term=12),
        "small": posting(lender, title="二十万短期出借", amount_fen=200_000_00, rate_bp=800, term=3),
        "pledgor": posting(zhang, side=Side.PLEDGOR, world=world, title="悦龙科技质押", amount_fen=300_000_00),
    }


def test_a_user_without_a_valid_posting_sees_summaries_only_on_the_page(board, outsider, client_for):
    page = client_for(outsider).get(reverse("pledge:board"), {"keyword": "二十万"})
    html = page.content.decode()
    assert page.status_code == 200 and 'id="summary-only"' in html
    assert "五百万出借资金" not in html and "二十万短期出借" not in html  # no titles
    assert 'id="board-filter"' not in html
    assert html.count("<tr>") - 1 == 3  # the filter is ignored: every summary is listed
    assert "500.0 万元" in html


def test_a_user_without_a_valid_posting_gets_404_on_details(board, outsider, client_for):
    client = client_for(outsider)
    assert client.get(reverse("pledge:posting_detail", args=[board["loan"].pk])).status_code == 404
    assert client.get(f"{API}/{board['loan'].pk}").status_code == 404


def test_a_user_without_a_valid_posting_gets_summaries_only_from_the_api(board, outsider, client_for):
    body = client_for(outsider).get(API, {"keyword": "二十万", "sort": "amount"}).json()
    assert body["detailed"] is False and body["details"] == []
    assert len(body["summaries"]) == 3 and "title" not in body["summaries"][0]


@pytest.mark.parametrize(
    "status", [PostingStatus.PENDING_REVIEW, PostingStatus.RETURNED, PostingStatus.EXPIRED, PostingStatus.PLEDGED]
)
def test_a_posting_not_published_gives_no_detail_right(board, outsider, client_for, status):
    posting(outsider, status=status)
    assert client_for(outsider).get(API).json()["detailed"] is False


def test_a_published_posting_past_validity_gives_no_detail_right(board, outsider, client_for):
    posting(outsider, valid_until=TODAY - dt.timedelta(days=1))
    assert client_for(outsider).get(API).json()["detailed"] is False


def test_a_user_with_a_valid_posting_sees_details_and_filters(board, outsider, client_for):
    posting(outsider, title="我的有效信息", amount_fen=1_00)
    client = client_for(outsider)
    html = client.get(reverse("pledge:board"), {"keyword": "二十万"}).content.decode()
    assert 'id="board-filter"' in html and "二十万短期出借" in html and "五百万出借资金" not in html
    assert client.get(reverse("pledge:posting_detail", args=[board["loan"].pk])).status_code == 200
    body = client.get(API, {"side": "lender", "sort": "amount"}).json()
    assert body["detailed"] is True
    assert [d["title"] for d in body["details"]] == ["五百万出借资金", "二十万短期出借", "我的有效信息"]


@pytest.mark.parametrize(
    "params,titles",
    [
        ({"side": "pledgor"}, ["悦龙科技质押"]),
        ({"kind": "stock", "side": "pledgor"}, ["悦龙科技质押"]),
        # issue 17: lenders who accept any code (none named) are found by every code
        ({"code": "920188"}, ["我的", "悦龙科技质押", "二十万短期出借", "五百万出借资金"]),
        ({"code": "920188", "side": "pledgor"}, ["悦龙科技质押"]),
        ({"amount_min_fen": 300_000_00, "sort": "amount"}, ["五百万出借资金", "悦龙科技质押"]),
        ({"rate_max_bp": 700, "side": "lender", "sort": "rate"}, ["我的", "五百万出借资金"]),
        ({"term_max_months": 3, "side": "lender"}, ["二十万短期出借"]),
        ({"status": "negotiating"}, []),
        ({"keyword": "悦龙"}, ["悦龙科技质押"]),
    ],
)
def test_each_filter_narrows_the_board(board, outsider, client_for, params, titles):
    posting(outsider, title="我的", amount_fen=1_00, rate_bp=500, term=6)
    got = [d["title"] for d in client_for(outsider).get(API, params).json()["details"]]
    assert got == titles


def test_the_board_pages_without_counting_everything(board, outsider, client_for):
    posting(outsider, title="我的")
    from csdp.pledge import selectors

    rows, has_next = selectors.board_page(selectors.board_filtered(selectors.BoardFilter()), 1, size=2)
    assert len(rows) == 2 and has_next
    rows, has_next = selectors.board_page(selectors.board_filtered(selectors.BoardFilter()), 2, size=2)
    assert len(rows) == 2 and not has_next


@pytest.mark.parametrize("kind,back", [("restrict", "unrestrict"), ("suspend", "restore")])
def test_postings_of_a_restricted_or_suspended_user_leave_the_board_and_come_back(
    board, outsider, lender, cast, client_for, kind, back
):
    from csdp.pledge.services_social import moderation_apply

    posting(outsider, title="我的")
    client = client_for(outsider)
    moderation_apply(actor=cast.reviewer, kind=kind, profile=lender.pledge_profile, reason="测试")
    titles = [d["title"] for d in client.get(API).json()["details"]]
    assert "五百万出借资金" not in titles and "悦龙科技质押" in titles
    assert client.get(reverse("pledge:posting_detail", args=[board["loan"].pk])).status_code == 404
    moderation_apply(actor=cast.reviewer, kind=back, profile=lender.pledge_profile, reason="测试")
    assert "五百万出借资金" in [d["title"] for d in client.get(API).json()["details"]]


def test_a_suspended_user_is_refused_the_board(board, outsider, client_for):
    PledgeProfile.objects.filter(user=outsider).update(access_state="suspended")
    client = client_for(outsider)
    assert client.get(reverse("pledge:board")).status_code == 403
    assert client.get(API).status_code == 403


def test_a_deleted_posting_is_gone_even_for_its_owner(lender, client_for):
    row = posting(lender, status=PostingStatus.DELETED)
    assert client_for(lender).get(reverse("pledge:posting_detail", args=[row.pk])).status_code == 404


def test_staff_see_details(board, cast, client_for):
    client = client_for(cast.reviewer)
    assert client.get(API).json()["detailed"] is True
    assert client.get(reverse("pledge:posting_detail", args=[board["loan"].pk])).status_code == 200


def test_the_board_page_makes_a_fixed_number_of_queries(board, outsider, client_for, django_assert_max_num_queries):
    posting(outsider, title="我的")
    client = client_for(outsider)
    client.get(reverse("pledge:board"))
    with django_assert_max_num_queries(12):
        client.get(reverse("pledge:board"), {"sort": "amount"})


@pytest.mark.parametrize("selective_rows", [1, 2, 1000])
def test_broad_and_narrow_filters_give_the_same_rows_whichever_index_serves_them(
    board, outsider, client_for, monkeypatch, selective_rows
):
    from csdp.pledge import selectors

    posting(outsider, title="我的质押出借", amount_fen=1_00)
    monkeypatch.setattr(selectors, "SELECTIVE_ROWS", selective_rows)
    client = client_for(outsider)
    amounts = client.get(API, {"amount_min_fen": 200_000_00, "amount_max_fen": 400_000_00}).json()["details"]
    assert sorted(d["title"] for d in amounts) == ["二十万短期出借", "悦龙科技质押"]
    words = client.get(API, {"keyword": "质押"}).json()["details"]
    assert sorted(d["title"] for d in words) == ["悦龙科技质押", "我的质押出借"]
    longer = client.get(API, {"keyword": "科技质押"}).json()["details"]
    assert [d["title"] for d in longer] == ["悦龙科技质押"]
    assert [d["title"] for d in client.get(API, {"keyword": "龙"}).json()["details"]] == ["悦龙科技质押"]
