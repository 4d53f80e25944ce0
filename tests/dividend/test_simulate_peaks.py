"""`csdp dividend simulate` reports each day's own peak memory (simulate._day_peak_start)."""

from pathlib import Path

import pytest

from csdp.dividend.simulate import _day_peak_mb, _day_peak_start

pytestmark = pytest.mark.skipif(not Path("/proc/self/clear_refs").exists(), reason="Linux's high-water mark")


def test_a_days_peak_counts_from_the_start_of_the_day_not_of_the_process():
    held = bytearray(300 * 1024 * 1024)
    held[::4096] = b"x" * len(held[::4096])  # touched: resident, not just reserved
    del held
    before = _day_peak_mb()
    _day_peak_start()
    assert _day_peak_mb() < before - 200
