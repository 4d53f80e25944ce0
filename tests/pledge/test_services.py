"""Posting rules: platform info first (004 §七), own holdings only, pledgeable at the previous trading
day's EOD with frozen, pledged and 限售 shares excluded (004 §十, §十一), the §九 allow-list, the
rate cap from the LPR table (rules.md §9), edits back through review (004 §十三)."""

import datetime as dt
from decimal import Decimal

import pytest

from csdp.pledge.models import EligibleKind, LprRate, PledgeProfile, Side
from csdp.pledge.selectors import rate_cap_bp
from csdp.pledge.services import PledgeError, PostingData, posting_approve, posting_edit, posting_submit
from csdp.pledge.services_rules import eligible_add, lpr_add, rate_cap_multiple_set
from csdp.pledge.states import PostingStatus
from csdp.register.services import register_apply
from tests.pledge.factories import PREVIOUS, TODAY, board_user, posting


def pledgor_data(world, *, quantity=7_000, security="stock", **over):
    base = dict(
        side=Side.PLEDGOR,
        amount_fen=300_000_00,
        term_months=6,
        rate_min_bp=500,
        rate_max_bp=800,
        valid_until=TODAY + dt.timedelta(days=30),
        title="质押融资",
        account_id=world["account"].pk,
        security_id=world[security].pk,
        quantity_shares=quantity,
    )
    return PostingData(**{**base, **over})


def lender_data(rate_bp=800, **over):
    base = dict(
        side=Side.LENDER,
        amount_fen=1_000_000_00,
        term_months=12,
        rate_min_bp=rate_bp,
        rate_max_bp=rate_bp,
        valid_until=TODAY + dt.timedelta(days=30),
        title="出借资金",
        accepted_kinds="stock",
    )
    return PostingData(**{**base, **over})


def test_a_pledgor_may_post_exactly_the_pledgeable_quantity(zhang, world):
    # 10 000 unrestricted − 2 000 frozen − 1 000 pledged = 7 000; the 5 000 限售 shares never count.
    row = posting_submit(user=zhang, data=pledgor_data(world, quantity=7_000))
    assert row.status == PostingStatus.PENDING_REVIEW and row.security_code == "920188"


def test_frozen_pledged_and_restricted_shares_are_not_pledgeable(zhang, world):
    with pytest.raises(PledgeError, match="可质押数量为 7,000 股"):
        posting_submit(user=zhang, data=pledgor_data(world, quantity=7_001))


def test_shares_received_today_do_not_count_before_the_next_trading_day(zhang, world):
    register_apply(
        events=[
            {
                "key": "t:today",
                "account": world["account"],
                "security": world["stock"],
                "event_type": "new_shares",
                "quantity_delta": 5_000,
                "business_date": TODAY,
            }
        ]
    )
    with pytest.raises(PledgeError, match=str(PREVIOUS)):
        posting_submit(user=zhang, data=pledgor_data(world, quantity=8_000))


def test_a_freeze_today_does_not_change_the_previous_days_figure_but_the_recheck_will(zhang, world):
    register_apply(
        events=[
            {
                "key": "t:freeze-today",
                "account": world["account"],
                "security": world["stock"],
                "event_type": "freeze",
                "frozen_delta": 6_000,
                "business_date": TODAY,
            }
        ]
    )
    assert posting_submit(user=zhang, data=pledgor_data(world, quantity=7_000)).pk


def test_only_the_users_own_accounts_may_be_offered(zhang, world, lender):
    other = board_user("other_investor")
    with pytest.raises(PledgeError, match="本人名下"):
        posting_submit(user=other, data=pledgor_data(world))


def test_a_kind_outside_the_allow_list_is_refused_until_staff_add_it(zhang, world, cast):
    with pytest.raises(PledgeError, match="证券种类"):
        posting_submit(user=zhang, data=pledgor_data(world, security="other", quantity=100))
    eligible_add(market="BSE", kind="other", note="§九(四) 经本公司认可", actor=cast.admin)
    assert posting_submit(user=zhang, data=pledgor_data(world, security="other", quantity=100)).pk


def test_fund_units_registered_here_are_eligible(zhang, world):
    assert EligibleKind.objects.filter(market="SZSE", kind="fund").exists()
    assert posting_submit(user=zhang, data=pledgor_data(world, security="fund", quantity=50_000)).pk


def test_posting_needs_the_platform_information_first(world):
    user = board_user("incomplete", investor=world["investor"], complete=False)
    with pytest.raises(PledgeError, match="业务平台信息"):
        posting_submit(user=user, data=pledgor_data(world))


def test_a_restricted_or_suspended_user_cannot_post(lender):
    PledgeProfile.objects.filter(user=lender).update(postings_restricted=True)
    with pytest.raises(PledgeError, match="限制"):
        posting_submit(user=lender, data=lender_data())
    PledgeProfile.objects.filter(user=lender).update(postings_restricted=False, access_state="suspended")
    with pytest.raises(PledgeError, match="使用权限"):
        posting_submit(user=lender, data=lender_data())


def test_validity_must_start_today_and_stay_within_the_limit(lender):
    with pytest.raises(PledgeError, match="有效期"):
        posting_submit(user=lender, data=lender_data(valid_until=TODAY - dt.timedelta(days=1)))
    with pytest.raises(PledgeError, match="有效期"):
        posting_submit(user=lender, data=lender_data(valid_until=TODAY + dt.timedelta(days=400)))


def test_the_rate_cap_is_four_times_the_one_year_lpr_in_force(db):
    from tests.pledge.factories import freeze_clock

    freeze_clock()
    assert LprRate.objects.filter(effective_date=dt.date(2025, 5, 20), one_year_bp=300).exists()
    assert rate_cap_bp() == 1200
    assert rate_cap_bp(dt.date(2024, 9, 1)) == 4 * 335  # the LPR in force on that day


def test_review_refuses_a_lender_rate_above_the_cap_and_accepts_one_at_it(lender, cast):
    too_high = posting(lender, status=PostingStatus.PENDING_REVIEW, rate_bp=1201)
    with pytest.raises(PledgeError, match="超过上限 12.00%"):
        posting_approve(posting=too_high, actor=cast.reviewer)
    at_cap = posting(lender, status=PostingStatus.PENDING_REVIEW, rate_bp=1200)
    assert posting_approve(posting=at_cap, actor=cast.reviewer).status == PostingStatus.OPEN


def test_a_new_lpr_row_and_a_new_multiple_move_the_cap(lender, cast):
    lpr_add(effective_date=TODAY - dt.timedelta(days=5), one_year_bp=280, source="测试公告", actor=cast.admin)
    assert rate_cap_bp() == 1120
    rate_cap_multiple_set(multiple=Decimal("3.5"), actor=cast.admin)
    assert rate_cap_bp() == 980
    row = posting(lender, status=PostingStatus.PENDING_REVIEW, rate_bp=1000)
    with pytest.raises(PledgeError, match="3.5"):
        posting_approve(posting=row, actor=cast.reviewer)


def test_review_rechecks_a_pledgor_posting_against_holdings(zhang, world, cast):
    row = posting_submit(user=zhang, data=pledgor_data(world, quantity=7_000))
    register_apply(
        events=[
            {
                "key": "t:late-freeze",
                "account": world["account"],
                "security": world["stock"],
                "event_type": "freeze",
                "frozen_delta": 1_000,
                "business_date": PREVIOUS,
            }
        ]
    )
    with pytest.raises(PledgeError, match="6,000"):
        posting_approve(posting=row, actor=cast.reviewer)


@pytest.mark.parametrize("state", [PostingStatus.OPEN, PostingStatus.NEGOTIATING, PostingStatus.RETURNED])
def test_an_edit_of_a_published_or_returned_posting_goes_back_to_review(lender, state):
    row = posting(lender, status=state)
    posting_edit(posting=row, user=lender, data=lender_data(title="修改后的标题"))
    row.refresh_from_db()
    assert (row.status, row.title) == (PostingStatus.PENDING_REVIEW, "修改后的标题")


@pytest.mark.parametrize("state", [PostingStatus.PLEDGED, PostingStatus.EXPIRED, PostingStatus.DELETED])
def test_a_final_posting_cannot_be_edited(lender, state):
    row = posting(lender, status=state)
    with pytest.raises(PledgeError):
        posting_edit(posting=row, user=lender, data=lender_data(title="复活"))
    row.refresh_from_db()
    assert row.status == state and row.title == "测试信息"
