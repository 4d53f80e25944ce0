"""The business clock: settable (frozen or flowing) in demo and tests, real time in production."""

from __future__ import annotations

import datetime as dt
import time

import pytest
from django.utils import timezone

from csdp.clock.models import BusinessClock
from csdp.clock.services import (
    SHANGHAI,
    CalendarError,
    at_local,
    business_today,
    clock_moved_to,
    clock_now,
    clock_reset,
    clock_set,
)

pytestmark = pytest.mark.django_db


def test_a_frozen_clock_stands_still_at_the_moment_set():
    moment = at_local(dt.date(2026, 3, 16), 15, 31)
    clock_set(moment=moment, frozen=True)
    first = clock_now()
    time.sleep(0.05)

    assert first == clock_now() == moment
    assert business_today() == dt.date(2026, 3, 16)


def test_a_flowing_clock_starts_at_the_moment_set_and_keeps_running():
    moment = at_local(dt.date(2026, 3, 16), 9, 0)
    clock_set(moment=moment)
    first = clock_now()
    time.sleep(0.05)
    second = clock_now()

    assert abs((first - moment).total_seconds()) < 2
    assert second > first


def test_a_naive_moment_is_read_as_beijing_time():
    clock_set(moment=dt.datetime(2026, 3, 16, 23, 30), frozen=True)

    assert clock_now() == dt.datetime(2026, 3, 16, 23, 30, tzinfo=SHANGHAI)
    # 23:30 in Beijing is 15:30 UTC: the business day is still the Beijing date.
    assert business_today() == dt.date(2026, 3, 16)


def test_reset_returns_the_clock_to_real_time():
    clock_set(moment=at_local(dt.date(2030, 1, 2), 10), frozen=True)
    clock_reset()

    assert abs((clock_now() - timezone.now()).total_seconds()) < 2
    assert not BusinessClock.objects.exists()


def test_a_clock_moved_for_a_block_is_put_back_exactly_and_read_at_once():
    clock_set(moment=at_local(dt.date(2026, 3, 16), 15, 31), frozen=True)

    with clock_moved_to(at_local(dt.date(2026, 1, 5), 10)):
        assert business_today() == dt.date(2026, 1, 5)

    # At once, not after the cache's second: a seeder right after the block reads the clock put back.
    assert clock_now() == at_local(dt.date(2026, 3, 16), 15, 31)


def test_a_clock_moved_from_real_time_returns_to_real_time_even_when_the_block_fails():
    with pytest.raises(RuntimeError), clock_moved_to(at_local(dt.date(2026, 1, 5), 10)):
        raise RuntimeError("refused")

    assert not BusinessClock.objects.exists()
    assert abs((clock_now() - timezone.now()).total_seconds()) < 2


def test_production_refuses_to_set_the_clock(settings):
    settings.CSDP_CLOCK_SETTABLE = False

    with pytest.raises(CalendarError, match="生产环境"):
        clock_set(moment=at_local(dt.date(2026, 3, 16), 15, 31), frozen=True)
    assert not BusinessClock.objects.exists()


def test_production_ignores_a_clock_row_left_from_a_demo(settings):
    clock_set(moment=at_local(dt.date(2030, 1, 2), 10), frozen=True)
    settings.CSDP_CLOCK_SETTABLE = False

    assert abs((clock_now() - timezone.now()).total_seconds()) < 2
