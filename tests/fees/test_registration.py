"""registration_fee_notice: the function the IPO flow calls once the issuer confirms the registration
data (002 §2.1.2(五)1)."""

from __future__ import annotations

import datetime as dt

import pytest

from csdp.clock.services import clock_set, trading_day_offset
from csdp.fees.services import registration_fee_notice
from csdp.fees.states import NoticeStatus
from csdp.ipo.models import Offering
from tests.fees import factories

pytestmark = pytest.mark.django_db


def _offering(cast) -> Offering:
    return Offering.objects.create(
        code="920901",
        name="甲科技",
        issuer=cast.issuer_a.institution,
        underwriter=cast.underwriter.institution,
        price_fen=1000,
        initial_online_shares=100_000,
        online_shares=100_000,
        t_date=dt.date(2026, 3, 16),
        listing_date=dt.date(2026, 3, 30),
    )


def test_it_bills_the_issuer_the_share_registration_fee_on_the_shares_registered(cast):
    clock_set(moment=dt.datetime(2026, 3, 18, 9, 0), frozen=True)
    factories.example_schedule()
    offering = _offering(cast)
    notice = registration_fee_notice(offering=offering, registered_shares=25_000_000, actor=cast.issuer_a)
    assert notice.payer == cast.issuer_a.institution
    assert (notice.reference_type, notice.reference_id) == ("ipo.offering", str(offering.pk))
    assert "920901" in notice.reference_label
    assert notice.lines.get().base_value == 25_000_000 and notice.total_fen == 500_000
    assert notice.due_date == max(
        trading_day_offset(offering.listing_date, -2), trading_day_offset(dt.date(2026, 3, 18), 5)
    )


def test_calling_it_again_returns_the_same_notice_unless_that_one_was_cancelled(cast):
    from csdp.fees.services import payment_notice_cancel

    factories.example_schedule()
    offering = _offering(cast)
    first = registration_fee_notice(offering=offering, registered_shares=1_000_000, actor=cast.issuer_a)
    assert registration_fee_notice(offering=offering, registered_shares=1_000_000, actor=cast.issuer_a).pk == first.pk
    payment_notice_cancel(notice=first, actor=cast.operator, reason="登记股数更正")
    second = registration_fee_notice(offering=offering, registered_shares=1_200_000, actor=cast.issuer_a)
    assert second.pk != first.pk and second.status == NoticeStatus.ISSUED
