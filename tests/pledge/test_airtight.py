"""Issue 17 §6, the board made airtight: reservations across live postings, calendar-day validity,
a staff 保留 that stands, the restricted-shares setting, any-code lenders, archiving, dates kept."""

import datetime as dt

import pytest
from django.urls import reverse

from csdp.clock.services import clock_set
from csdp.notify.models import OutboxMessage
from csdp.pledge import recheck
from csdp.pledge.models import Posting, Side
from csdp.pledge.selectors import board_postings
from csdp.pledge.services import PledgeError, PostingData, posting_archive, posting_flag_decide, posting_submit
from csdp.pledge.services_rules import restricted_pledgeable_set
from csdp.pledge.states import PostingStatus
from csdp.register.services import register_apply
from tests.pledge.factories import TODAY, posting


def _offer(world, quantity, title="质押"):
    return PostingData(
        side=Side.PLEDGOR,
        amount_fen=100_000_00,
        term_months=6,
        rate_min_bp=500,
        rate_max_bp=600,
        valid_until=TODAY + dt.timedelta(days=30),
        title=title,
        account_id=world["account"].pk,
        security_id=world["stock"].pk,
        quantity_shares=quantity,
    )


def test_the_same_shares_cannot_be_offered_twice(zhang, world):
    posting_submit(user=zhang, data=_offer(world, 6_000))
    with pytest.raises(PledgeError, match="其他有效信息已占用 6,000 股，本条最多可发布 1,000 股"):
        posting_submit(user=zhang, data=_offer(world, 6_000, title="第二条"))
    assert posting_submit(user=zhang, data=_offer(world, 1_000, title="第三条")).quantity_shares == 1_000


def test_a_pledged_or_expired_posting_reserves_nothing(zhang, world):
    first = posting(zhang, side=Side.PLEDGOR, world=world, quantity=6_000, status=PostingStatus.EXPIRED)
    assert posting_submit(user=zhang, data=_offer(world, 6_000)).pk != first.pk


def test_a_posting_valid_to_friday_is_off_the_board_on_saturday(zhang, world):
    friday = dt.date(2026, 4, 17)
    row = posting(zhang, side=Side.PLEDGOR, world=world, quantity=1_000, valid_until=friday)
    assert board_postings().filter(pk=row.pk).exists()
    clock_set(moment=dt.datetime(2026, 4, 18, 10, 0), frozen=True)  # Saturday: no end of day ran yet
    assert not board_postings().filter(pk=row.pk).exists()


def test_expiry_notifies_the_owner(zhang, world):
    posting(zhang, side=Side.PLEDGOR, world=world, quantity=1_000, valid_until=TODAY)
    assert recheck.pledge_recheck(day=TODAY + dt.timedelta(days=1)).expired == 1
    assert OutboxMessage.objects.filter(user=zhang, purpose="pledge.posting", subject__contains="失效").exists()


def test_a_staff_keep_stands_until_the_facts_change(zhang, world, cast):
    row = posting(zhang, side=Side.PLEDGOR, world=world, quantity=7_000)
    register_apply(
        events=[
            {
                "key": "t:f1",
                "account": world["account"],
                "security": world["stock"],
                "event_type": "freeze",
                "frozen_delta": 500,
                "business_date": dt.date(2026, 4, 14),
            }
        ]
    )
    assert recheck.pledge_recheck(day=TODAY).flagged == 1
    posting_flag_decide(posting=Posting.objects.get(pk=row.pk), actor=cast.reviewer, keep=True, reason="债权人已知悉")
    assert recheck.pledge_recheck(day=TODAY).flagged == 0  # same facts: the decision stands
    register_apply(
        events=[
            {
                "key": "t:f2",
                "account": world["account"],
                "security": world["stock"],
                "event_type": "freeze",
                "frozen_delta": 500,
                "business_date": TODAY,
            }
        ]
    )
    assert recheck.pledge_recheck(day=TODAY).flagged == 1  # the facts changed: staff look again


def test_restricted_shares_count_only_when_the_setting_allows(zhang, world, cast):
    with pytest.raises(PledgeError, match="限售"):
        posting_submit(user=zhang, data=_offer(world, 8_000))
    restricted_pledgeable_set(allowed=True, actor=cast.admin)
    assert posting_submit(user=zhang, data=_offer(world, 8_000)).quantity_shares == 8_000


def test_the_owner_archives_pledged_and_expired_postings(zhang, world, client_for):
    done = posting(zhang, side=Side.PLEDGOR, world=world, quantity=1_000, status=PostingStatus.PLEDGED, title="已办")
    live = posting(zhang, side=Side.PLEDGOR, world=world, quantity=1_000, title="在洽谈")
    with pytest.raises(PledgeError, match="已质押"):
        posting_archive(posting=live, user=zhang)
    response = client_for(zhang).post(reverse("pledge:posting_status", args=[done.pk]), {"to_state": "archived"})
    assert response.status_code == 302
    page = client_for(zhang).get(reverse("pledge:my_postings")).content.decode()
    assert "在洽谈" in page and "已办" not in page


def test_the_kind_column_shows_the_security_kind_and_the_report_phone_is_published(zhang, world, client_for):
    posting(zhang, side=Side.PLEDGOR, world=world, quantity=1_000, title="股票质押")
    page = client_for(zhang).get(reverse("pledge:board")).content.decode()
    assert "股票" in page and "4008-058-058" in page


def test_the_edit_form_keeps_its_dates(zhang, world, client_for):
    row = posting(zhang, side=Side.PLEDGOR, world=world, quantity=1_000)
    page = client_for(zhang).get(reverse("pledge:posting_edit", args=[row.pk])).content.decode()
    assert f'value="{row.valid_until:%Y-%m-%d}"' in page
