"""The distribution's dates follow the configured offsets (csdp/dividend/dates.py), the issuer's guide and
messages say the configured rule, and offsets that would put the dates out of order are refused."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from csdp.counter.services import CounterError
from csdp.dividend.counter_types import guide_text
from csdp.dividend.dates import check_offsets, dates_for
from csdp.dividend.models import Distribution
from csdp.dividend.services import DividendError
from csdp.lib.env import ConfigError
from tests.counter.factories import draft, give_codes
from tests.dividend.test_counter_type import PLAN
from tests.dividend.world import R, START, at, build, schedule

LATER = {"ex": 1, "pay": 2, "list": 3, "funding": -3}


def test_the_dates_and_the_guide_follow_the_configured_offsets(db, settings):
    settings.CSDP_DIVIDEND_OFFSETS = LATER
    dates = dates_for(R)  # Friday 2026-06-05
    assert (dates.ex_date, dates.pay_date, dates.list_date, dates.funding_deadline) == (
        dt.date(2026, 6, 8),
        dt.date(2026, 6, 9),
        dt.date(2026, 6, 10),
        dt.date(2026, 6, 2),
    )
    guide = guide_text()
    assert "股权登记日后第 1、2、3 个交易日" in guide and "股权登记日前 3 个交易日" in guide
    settings.CSDP_DIVIDEND_OFFSETS = {"ex": 1, "pay": 1, "list": 2, "funding": -2}
    guide = guide_text()
    assert "股权登记日后第 1、1、2 个交易日" in guide and "股权登记日前 2 个交易日" in guide


def test_a_record_date_too_close_for_the_configured_deadline_is_refused_naming_that_deadline(cast, settings):
    settings.CSDP_DIVIDEND_OFFSETS = LATER
    build(cast.issuer_a)
    give_codes(cast.issuer_a.institution, "920001")
    at(dt.date(2026, 6, 2))  # with the default R−2 the deadline (6/3) would still be ahead
    with pytest.raises(CounterError) as refused:
        draft(cast.issuer_a, type_code="05", code="920001", data=PLAN)
    assert "代派资金截止日 2026-06-02（股权登记日前 3 个交易日）应晚于今天" in str(refused.value)


@pytest.mark.parametrize(
    ("offsets", "named"),
    [
        ({"ex": 1, "pay": 3, "list": 2, "funding": -2}, "红股上市日（R+2，CSDP_DIVIDEND_LIST_OFFSET）早于派息日（R+3"),
        ({"ex": 2, "pay": 1, "list": 3, "funding": -2}, "派息日（R+1，CSDP_DIVIDEND_PAY_OFFSET）早于除权除息日（R+2"),
        ({"ex": -1, "pay": 1, "list": 2, "funding": -2}, "除权除息日（R-1，CSDP_DIVIDEND_EX_OFFSET）早于股权登记日"),
    ],
)
def test_offsets_that_put_the_dates_out_of_order_are_refused_with_the_reason(cast, settings, offsets, named):
    settings.CSDP_DIVIDEND_OFFSETS = offsets
    [error] = check_offsets(None)  # said when the process starts (csdp check, migrate, runserver)
    assert error.id == "dividend.E001" and named in error.msg
    with pytest.raises(ConfigError, match="权益分派日期规则配置有误"):
        dates_for(R)
    build(cast.issuer_a)
    give_codes(cast.issuer_a.institution, "920001")
    at(START)
    with pytest.raises(CounterError, match=re.escape(named)):
        draft(cast.issuer_a, type_code="05", code="920001", data=PLAN)
    with pytest.raises(DividendError) as refused:  # an approval reaching the schedule is refused too
        schedule(cast.issuer_a)
    assert refused.value.code == "dividend.dates_config" and not Distribution.objects.exists()


def test_the_default_offsets_pass_the_check(settings):
    assert check_offsets(None) == []
    settings.CSDP_DIVIDEND_OFFSETS = {"ex": 1, "pay": 1, "list": 1, "funding": -1}  # all on one day: in order
    assert check_offsets(None) == []
