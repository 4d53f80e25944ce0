"""`csdp eod run` runs every registered job in order and fails loudly when one step failed."""

import datetime as dt
import io

import pytest
from django.core.management import CommandError, call_command

from csdp.clock import eod
from csdp.clock.eod import EodLine, register_eod_job


@pytest.fixture
def jobs(monkeypatch):
    monkeypatch.setattr(eod, "_JOBS", [])
    return eod


def test_jobs_run_in_their_order_and_each_reports(jobs, db, capsys):
    seen = []
    register_eod_job(
        order=20, name="second", job=lambda day, actor: seen.append("second") or [EodLine("second", "x", "ok")]
    )
    register_eod_job(order=10, name="first", job=lambda day, actor: seen.append("first") or [])
    call_command("eod", "run", "--date", "2026-03-16")
    assert seen == ["first", "second"]
    out = capsys.readouterr().out
    assert "[first] 没有到期的步骤。" in out and "[second] x: ok" in out


def test_a_failed_step_makes_the_command_fail_after_the_others_ran(jobs, db):
    ran = []
    register_eod_job(order=10, name="bad", job=lambda day, actor: [EodLine("bad", "920001", "t1", "资金不足")])
    register_eod_job(order=20, name="good", job=lambda day, actor: ran.append(day) or [])
    with pytest.raises(CommandError, match="1 个日终步骤失败"):
        call_command("eod", "run", "--date", "2026-03-16")
    assert ran == [dt.date(2026, 3, 16)]


def test_a_closed_day_has_no_end_of_day(jobs, db):
    ran = []
    register_eod_job(order=10, name="any", job=lambda day, actor: ran.append(day) or [])
    out = io.StringIO()
    call_command("eod", "run", "--date", "2026-10-01", stdout=out)  # not a failure: nothing to do
    assert "2026-10-01 不是交易日，没有日终处理。" in out.getvalue()
    assert ran == []
