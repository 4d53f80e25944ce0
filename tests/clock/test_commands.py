"""`csdp clock` and `csdp calendar`, through call_command and through the installed console script."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.management import CommandError, call_command

from csdp.audit.models import AuditEvent
from csdp.clock.models import ClosedDay
from csdp.clock.services import at_local, clock_now, clock_set, is_trading_day
from tests.cli import run_csdp


def _call(*args) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


@pytest.mark.django_db
class TestThroughCallCommand:
    def test_clock_set_frozen_then_show_prints_beijing_time_and_the_kind_of_day(self):
        _call("clock", "set", "2026-02-16T10:00", "--frozen")

        assert _call("clock", "show").strip() == "业务时间 2026-02-16 10:00:00 (北京时间, 非交易日)"
        assert clock_now() == at_local(dt.date(2026, 2, 16), 10)

    def test_clock_reset_returns_to_real_time(self):
        clock_set(moment=at_local(dt.date(2030, 1, 2), 10), frozen=True)
        _call("clock", "reset")

        assert clock_now().year != 2030

    def test_clock_set_refuses_a_moment_it_cannot_read(self):
        with pytest.raises(CommandError, match="无法识别的时刻"):
            _call("clock", "set", "16/03/2026")

    def test_clock_set_is_refused_in_production(self, settings):
        settings.CSDP_CLOCK_SETTABLE = False
        with pytest.raises(CommandError, match="生产环境"):
            _call("clock", "set", "2026-03-16T15:31")

    def test_calendar_list_prints_the_closed_days_and_the_count_of_the_year(self):
        out = _call("calendar", "list", "2026")

        assert "2026-02-16  春节" in out and out.strip().endswith("2026 年交易日 242 天")

    def test_calendar_list_without_a_year_lists_the_business_year(self):
        clock_set(moment=at_local(dt.date(2025, 6, 3), 10), frozen=True)

        assert _call("calendar", "list").strip().endswith("2025 年交易日 243 天")

    def test_calendar_close_and_open_change_the_calendar_and_are_audited(self):
        _call("calendar", "close", "2026-03-10", "临时", "休市")
        assert not is_trading_day(dt.date(2026, 3, 10))
        assert ClosedDay.objects.get(date=dt.date(2026, 3, 10)).reason == "临时 休市"

        _call("calendar", "open", "2026-03-10")
        assert is_trading_day(dt.date(2026, 3, 10))
        actions = list(AuditEvent.objects.values_list("action", "actor_label"))
        assert actions == [("calendar.close", "cli"), ("calendar.open", "cli")]

    def test_calendar_offset_prints_t_plus_n(self):
        assert _call("calendar", "offset", "2026-09-30", "1").strip() == "2026-10-08"

    @pytest.mark.parametrize(
        "args, message",
        [
            (("offset", "2026-02-30", "1"), "参数不正确"),
            (("offset", "2026-02-14", "0"), "不是交易日"),
            (("close", "2026-03-14", "周末"), "周末本就休市"),
            (("open", "2026-03-10"), "不是已登记的休市日"),
        ],
    )
    def test_calendar_refuses_bad_input_with_a_chinese_message(self, args, message):
        with pytest.raises(CommandError, match=message):
            _call("calendar", *args)


# --- the real console script ---------------------------------------------------------------------


def test_the_console_script_sets_shows_and_resets_the_clock(cli_env):
    assert run_csdp(cli_env, "clock", "set", "2026-03-16T15:31", "--frozen").returncode == 0

    shown = run_csdp(cli_env, "clock", "show")
    assert (shown.returncode, shown.stdout.strip()) == (0, "业务时间 2026-03-16 15:31:00 (北京时间, 交易日)")
    assert run_csdp(cli_env, "clock", "reset").returncode == 0
    assert "2026-03-16 15:31" not in run_csdp(cli_env, "clock", "show").stdout


def test_the_console_script_answers_calendar_questions(cli_env):
    assert run_csdp(cli_env, "calendar", "offset", "2026-02-13", "1").stdout.strip() == "2026-02-24"
    assert run_csdp(cli_env, "calendar", "list", "2026").stdout.strip().endswith("2026 年交易日 242 天")


@pytest.mark.parametrize(
    "args, message",
    [
        (("calendar", "offset", "2026-13-01", "1"), "参数不正确"),
        (("clock", "set", "明天下午"), "无法识别的时刻"),
    ],
)
def test_the_console_script_exits_non_zero_with_a_chinese_message_on_a_bad_date(cli_env, args, message):
    done = run_csdp(cli_env, *args)

    assert done.returncode != 0
    assert message in done.stderr
    assert done.stdout == ""
