"""Issue 16, Correctness: a process killed in a step of the distribution's end of day and run again
gives identical files and balances (the mechanism of tests/ipo/test_eod_kill.py: a child stops itself
inside the step's open transaction and is SIGKILLed there)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.ipo.test_eod_kill import ROOT, World, _differences

DEADLINE, R, PAY, LIST = "at:2026-11-03", "at:2026-11-05", "at:2026-11-06", "at:2026-11-09"


class DividendWorld(World):
    def _start(self, *args: str):
        log = self.directory / f"child-{time.monotonic_ns()}.log"
        with open(log, "wb") as out:
            child = subprocess.Popen(
                [sys.executable, "-m", "tests.dividend.eod_child", *args],
                cwd=ROOT,
                env=self.env(),
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        return child, log

    def copy(self, name: str) -> DividendWorld:
        target = self.directory.with_name(name)
        shutil.copytree(self.directory, target, ignore=shutil.ignore_patterns("child-*.log"))
        return DividendWorld(target, "sqlite", str(target / Path(self.database).name))

    def kill_at(self, day: str, *stop: str) -> None:
        child, log = self._start(day, "eod", *stop)
        deadline = time.monotonic() + 600
        while True:
            pid, status = os.waitpid(child.pid, os.WNOHANG | os.WUNTRACED)
            if pid and os.WIFSTOPPED(status):
                break
            assert not pid, f"the end of day finished without reaching {stop}:\n{log.read_text()}"
            assert time.monotonic() < deadline, log.read_text()
            time.sleep(0.02)
        child.kill()
        child.wait(timeout=60)


@dataclass
class Timeline:
    before: dict[str, DividendWorld]
    state_before: dict[str, dict]
    state_after: dict[str, dict]


@pytest.fixture(scope="module")
def timeline(tmp_path_factory, cli_database_template):
    directory = tmp_path_factory.mktemp("dividend-kill") / "base"
    directory.mkdir()
    shutil.copyfile(cli_database_template, directory / "csdp.sqlite3")
    base = DividendWorld(directory, "sqlite", str(directory / "csdp.sqlite3"))
    before, state_before, state_after = {}, {}, {}
    base.run("prepare", DEADLINE, "eod")
    for name, day in (("R", R), ("PAY", PAY), ("LIST", LIST)):
        (state_before[name],) = base.run(day, "dump")
        before[name] = base.copy(f"before_{name}")
        (state_after[name],) = base.run(day, "eod", "dump")
    return Timeline(before, state_before, state_after)


def _kill_and_rerun(timeline: Timeline, name: str, day: str, label: str, *stop: str) -> tuple[dict, dict]:
    world = timeline.before[name].copy(label)
    world.kill_at(day, *stop)
    after_kill, after_rerun = world.run("dump", day, "eod", "dump")
    return after_kill, after_rerun


def test_the_reference_timeline_pays_and_registers(timeline):
    assert timeline.state_after["R"]["distribution"][0][0] == "entitled"
    assert any(row[4] == "pending" for row in timeline.state_after["R"]["transfers"])
    assert timeline.state_after["PAY"]["distribution"][0][:2] == ["paid", "paid"]
    assert any(path.endswith(".dbf") for path in timeline.state_after["PAY"]["files"])
    assert timeline.state_after["LIST"]["distribution"][0][0] == "completed"
    assert len(timeline.state_after["LIST"]["events"]) > len(timeline.state_before["LIST"]["events"])


@pytest.mark.parametrize(
    ("name", "day", "stop"),
    [
        ("R", R, ("--stop-after", "csdp.dividend.steps:partition_replace")),  # entitlements written, holds not yet
        ("R", R, ("--stop-after", "csdp.dividend.steps:holds_create_bulk")),  # holds in, step not recorded
        (
            "PAY",
            PAY,
            ("--stop-after", "csdp.dividend.steps_pay:holds_resolve_bulk"),
        ),  # holds posted, surplus not returned
        ("PAY", PAY, ("--stop-in-write", "csdp.lib.dbf:2")),  # a participant file half written
        (
            "LIST",
            LIST,
            ("--stop-after", "csdp.register.bulk_staged:register_apply_staged"),
        ),  # bonus shares in, not committed
    ],
)
def test_killed_inside_a_step_the_rerun_gives_the_uninterrupted_result(timeline, name, day, stop):
    label = f"kill_{name}_{stop[1].replace(':', '_').replace('.', '_')}"
    after_kill, after_rerun = _kill_and_rerun(timeline, name, day, label, *stop)
    before_files = timeline.state_before[name]["files"]
    assert {k: v for k, v in after_kill.items() if k != "files"} == {
        k: v for k, v in timeline.state_before[name].items() if k != "files"
    }  # nothing committed
    assert all(
        path in before_files or path.endswith(".part") or path.startswith("dividend/") for path in after_kill["files"]
    )
    assert _differences(after_rerun, timeline.state_after[name]) == {}  # identical files, balances, register
