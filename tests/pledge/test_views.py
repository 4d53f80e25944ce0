"""The pages round trip: 信息发布 → 已提交信息管理 → staff review → board; rule tables; work lists."""

import datetime as dt

from django.urls import reverse

from csdp.pledge.models import EligibleKind, LprRate, Posting
from csdp.pledge.states import PostingStatus
from tests.pledge.factories import TODAY, posting


def _pledgor_form(world, **over):
    return {
        "title": "悦龙科技 7000 股质押",
        "holding": f"{world['account'].pk}:{world['stock'].pk}",
        "quantity_shares": "7000",
        "amount_yuan": "300000.00",
        "term_months": "6",
        "rate_min_percent": "5",
        "rate_max_percent": "8",
        "valid_until": (TODAY + dt.timedelta(days=30)).isoformat(),
        **over,
    }


def test_the_pledgor_form_offers_own_holdings_with_the_pledgeable_figure(zhang, world, client_for):
    html = client_for(zhang).get(reverse("pledge:posting_new")).content.decode()
    assert "0180000001 · 920188 悦龙科技 · 可质押 7,000 股" in html


def test_a_pledgor_posts_through_the_page_and_staff_publish_it(zhang, world, cast, client_for):
    client = client_for(zhang)
    response = client.post(reverse("pledge:posting_new"), _pledgor_form(world))
    row = Posting.objects.get()
    assert response.status_code == 302 and row.status == PostingStatus.PENDING_REVIEW
    assert (row.amount_fen, row.rate_min_bp, row.rate_max_bp) == (300_000_00, 500, 800)
    assert "悦龙科技 7000 股质押" in client.get(reverse("pledge:my_postings")).content.decode()
    staff = client_for(cast.reviewer)
    assert "悦龙科技 7000 股质押" in staff.get(reverse("pledge:review_queue")).content.decode()
    assert "检验通过" in staff.get(reverse("pledge:posting_detail", args=[row.pk])).content.decode()
    staff.post(reverse("pledge:posting_review", args=[row.pk]), {"decision": "approve"})
    row.refresh_from_db()
    assert row.status == PostingStatus.OPEN


def test_too_many_shares_are_refused_on_the_page(zhang, world, client_for):
    html = (
        client_for(zhang)
        .post(reverse("pledge:posting_new"), _pledgor_form(world, quantity_shares="7001"))
        .content.decode()
    )
    assert "可质押数量为 7,000 股" in html and not Posting.objects.exists()


def test_staff_return_with_a_reason_through_the_page(lender, cast, client_for):
    row = posting(lender, status=PostingStatus.PENDING_REVIEW)
    client_for(cast.reviewer).post(
        reverse("pledge:posting_review", args=[row.pk]), {"decision": "return", "reason": "请补充"}
    )
    row.refresh_from_db()
    assert (row.status, row.review_reason) == (PostingStatus.RETURNED, "请补充")
    assert "请补充" in client_for(lender).get(reverse("pledge:my_postings")).content.decode()


def test_the_owner_moves_the_status_on_the_detail_page(lender, client_for):
    row = posting(lender)
    client = client_for(lender)
    html = client.get(reverse("pledge:posting_detail", args=[row.pk])).content.decode()
    assert "调整为“洽谈中”" in html and "调整为“已质押”" in html
    client.post(reverse("pledge:posting_status", args=[row.pk]), {"to_state": "negotiating"})
    row.refresh_from_db()
    assert row.status == PostingStatus.NEGOTIATING


def test_the_edit_page_goes_back_to_review(lender, client_for):
    row = posting(lender)
    client = client_for(lender)
    form = {
        "title": "新标题",
        "amount_yuan": "1000",
        "term_months": "3",
        "rate_max_percent": "6",
        "valid_until": (TODAY + dt.timedelta(days=10)).isoformat(),
        "accepted_kinds": ["stock"],
    }
    assert client.post(reverse("pledge:posting_edit", args=[row.pk]), form).status_code == 302
    row.refresh_from_db()
    assert (row.status, row.title, row.accepted_kinds) == (PostingStatus.PENDING_REVIEW, "新标题", "stock")


def test_another_users_posting_cannot_be_edited(lender, outsider, client_for):
    row = posting(lender)
    assert client_for(outsider).get(reverse("pledge:posting_edit", args=[row.pk])).status_code == 404


def test_staff_edit_the_rule_tables(cast, client_for):
    client = client_for(cast.admin)
    client.post(
        reverse("pledge:rules_lpr_add"), {"effective_date": "2026-04-01", "one_year_percent": "2.90", "source": "测试"}
    )
    assert LprRate.objects.get(effective_date=dt.date(2026, 4, 1)).one_year_bp == 290
    client.post(reverse("pledge:rules_multiple"), {"rate_cap_multiple": "3"})
    client.post(reverse("pledge:rules_eligible_add"), {"market": "BSE", "kind": "other", "note": "认可"})
    assert EligibleKind.objects.filter(market="BSE", kind="other").exists()
    row = EligibleKind.objects.get(market="BSE", kind="other")
    client.post(reverse("pledge:rules_eligible_delete", args=[row.pk]))
    assert not EligibleKind.objects.filter(market="BSE", kind="other").exists()
    assert (
        client_for(cast.operator).post(reverse("pledge:rules_multiple"), {"rate_cap_multiple": "9"}).status_code == 403
    )


def test_the_staff_pages_render(lender, cast, client_for):
    posting(lender)
    client = client_for(cast.reviewer)
    for name in (
        "pledge:review_queue",
        "pledge:reports",
        "pledge:users",
        "pledge:lender_queue",
        "pledge:rules",
        "pledge:board",
    ):
        assert client.get(reverse(name)).status_code == 200, name
    assert client.get(reverse("pledge:user_detail", args=[lender.pledge_profile.pk])).status_code == 200


def test_work_lists_show_reviews_to_staff_and_returns_to_the_owner(lender, cast, client_for):
    posting(lender, status=PostingStatus.PENDING_REVIEW, title="等待审核的信息")
    posting(lender, status=PostingStatus.RETURNED, title="被退回的信息")
    assert "等待审核的信息" in client_for(cast.reviewer).get(reverse("portal:staff_queue")).content.decode()
    assert "被退回的信息" in client_for(lender).get(reverse("portal:my_applications")).content.decode()


def test_the_menu_shows_the_board_to_board_users(lender, client_for):
    html = client_for(lender).get(reverse("pledge:board")).content.decode()
    for label in ("信息浏览与筛选", "信息发布", "已提交信息管理", "私信", "用户信息维护"):
        assert label in html
