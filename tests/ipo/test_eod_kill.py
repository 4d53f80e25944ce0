"""Issue 5, Correctness: killing the process in the middle of a step and running it again gives
identical files and balances.

A child process (tests/ipo/eod_child.py) runs `csdp eod run` on its own database — a SQLite file,
and a PostgreSQL database too when DATABASE_URL names one — and stops itself at a chosen point inside
a step's open transaction; the test SIGKILLs it there. A fresh process then runs the end of day
again. Its files (every byte), ledger, register, step records and outcomes must equal those of the
same world whose end of day was never interrupted.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import psycopg
import pytest

ROOT = Path(__file__).resolve().parents[2]
DATABASE_URL = os.environ.get("DATABASE_URL", "")
ENGINES = ["sqlite"] + (["postgresql"] if DATABASE_URL.startswith("postgres") else [])


def _admin(sql: str) -> None:
    parts = urlsplit(DATABASE_URL)
    with psycopg.connect(DATABASE_URL.replace(parts.path, "/postgres", 1), autocommit=True) as connection:
        connection.execute(sql)


@dataclass
class World:
    """One database and its files directory; ``copy`` is a snapshot the scenarios start from."""

    directory: Path
    engine: str
    database: str  # the SQLite file's path, or the PostgreSQL database's name

    def env(self) -> dict[str, str]:
        if self.engine == "sqlite":
            url = f"sqlite:///{self.database}"
        else:
            url = DATABASE_URL.replace(urlsplit(DATABASE_URL).path, f"/{self.database}", 1)
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "csdp.settings.test",
            "DATABASE_URL": url,
            "CSDP_VAR_DIR": str(self.directory),
            "CSDP_FILES_DIR": str(self.directory / "files"),
            "CSDP_STORAGE_DIR": str(self.directory / "storage"),
            "PYTHONPATH": str(ROOT),
        }
        env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        return env

    def _start(self, *args: str) -> tuple[subprocess.Popen, Path]:
        log = self.directory / f"child-{time.monotonic_ns()}.log"
        with open(log, "wb") as out:
            child = subprocess.Popen(
                [sys.executable, "-m", "tests.ipo.eod_child", *args],
                cwd=ROOT,
                env=self.env(),
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        return child, log

    def run(self, *stages: str) -> list[dict]:
        """Run the stages in one fresh process; returns the states its ``dump`` stages printed."""
        child, log = self._start(*stages)
        assert child.wait(timeout=600) == 0, log.read_text()
        return [json.loads(line[6:]) for line in log.read_text().splitlines() if line.startswith("STATE ")]

    def kill_at(self, *stop: str) -> None:
        """`csdp eod run` until the stop point, then SIGKILL."""
        child, log = self._start("eod", *stop)
        deadline = time.monotonic() + 600
        while True:
            pid, status = os.waitpid(child.pid, os.WNOHANG | os.WUNTRACED)
            if pid and os.WIFSTOPPED(status):
                break
            assert not pid, f"the end of day finished without reaching {stop}:\n{log.read_text()}"
            assert time.monotonic() < deadline, log.read_text()
            time.sleep(0.02)
        child.send_signal(signal.SIGKILL)
        assert child.wait(timeout=60) == -signal.SIGKILL

    def copy(self, name: str) -> World:
        target = self.directory.with_name(name)
        shutil.copytree(self.directory, target, ignore=shutil.ignore_patterns("child-*.log"))
        if self.engine == "sqlite":
            return World(target, "sqlite", str(target / Path(self.database).name))
        database = f"{self.database.rsplit('_kill_', 1)[0]}_kill_{name}"
        _admin(f'DROP DATABASE IF EXISTS "{database}"')
        _admin(f'CREATE DATABASE "{database}" TEMPLATE "{self.database}"')
        return World(target, "postgresql", database)

    def drop(self) -> None:
        if self.engine == "postgresql":
            _admin(f'DROP DATABASE IF EXISTS "{self.database}" WITH (FORCE)')


@dataclass
class Timeline:
    """Snapshots just before each end of day, and the state each uninterrupted end of day left."""

    before: dict[str, World]
    state_before: dict[str, dict]
    state_after: dict[str, dict]


@pytest.fixture(scope="module", params=ENGINES)
def timeline(request, tmp_path_factory, cli_database_template, worker_id):
    engine = request.param
    directory = tmp_path_factory.mktemp(f"kill-{engine}") / "base"
    directory.mkdir()
    if engine == "sqlite":
        shutil.copyfile(cli_database_template, directory / "csdp.sqlite3")
        base = World(directory, engine, str(directory / "csdp.sqlite3"))
    else:
        base = World(directory, engine, f"{urlsplit(DATABASE_URL).path.lstrip('/')}_kill_{worker_id}_base")
        base.drop()
        _admin(f'CREATE DATABASE "{base.database}"')
        assert (
            subprocess.run(
                [sys.executable, "-m", "csdp.cli", "migrate", "--noinput"],
                env=base.env(),
                cwd=ROOT,
                capture_output=True,
                timeout=600,
            ).returncode
            == 0
        )
    worlds = [base]
    before, state_before, state_after = {}, {}, {}
    (state_before["T"],) = base.run("prepare", "dump")
    before["T"] = base.copy(f"{worker_id}_t")
    state_after["T"], state_before["T+1"] = base.run("eod", "dump", "fund", "dump")
    before["T+1"] = base.copy(f"{worker_id}_t1")
    state_after["T+1"], state_before["T+2"] = base.run("eod", "dump", "pay", "dump")
    before["T+2"] = base.copy(f"{worker_id}_t2")
    (state_after["T+2"],) = base.run("eod", "dump")
    worlds += before.values()
    yield Timeline(before, state_before, state_after)
    for world in worlds:
        world.drop()


def _kill_and_rerun(timeline: Timeline, day: str, name: str, *stop: str) -> tuple[dict, dict]:
    """The state right after the kill, and after a fresh process ran the end of day again."""
    world = timeline.before[day].copy(name)
    try:
        world.kill_at(*stop)
        after_kill, after_rerun = world.run("dump", "eod", "dump")
    finally:
        world.drop()
    return after_kill, after_rerun


def _differences(state: dict, expected: dict) -> dict:
    """What differs, per part: the rows (or files) only in ``state`` and those only in ``expected``."""

    def items(value):
        pairs = value.items() if isinstance(value, dict) else [(json.dumps(row), "") for row in value]
        return {f"{k} {v}".strip() for k, v in pairs} if not isinstance(value, str) else {value}

    return {
        key: (sorted(items(state[key]) - items(expected[key])), sorted(items(expected[key]) - items(state[key])))
        for key in expected
        if state[key] != expected[key]
    }


def test_the_reference_timeline_clears_settles_and_registers(timeline):
    # The worlds the kills start from are the real thing: files published, money held and moved, shares registered.
    after_t, after_t1, after_t2 = (timeline.state_after[d] for d in ("T", "T+1", "T+2"))
    assert {row[2] for row in after_t["participant_files"]} == {"SGQS", "SGHZ"}
    assert any(row[4] == "pending" for row in after_t1["transfers"])  # the subscription holds
    assert {row[2] for row in after_t1["participant_files"]} >= {"DJSJ", "WXSG", "JDSJ", "PSJG"}
    assert [row[1] for row in after_t2["offerings"]] == ["registered"]
    assert after_t2["positions"] and not after_t1["positions"]


def test_killed_in_the_middle_of_t_clearing_the_rerun_gives_the_uninterrupted_result(timeline, worker_id):
    # Stopped after the order outcomes were written, before the obligations and the step record.
    after_kill, after_rerun = _kill_and_rerun(
        timeline, "T", f"{worker_id}_a", "--stop-after", "csdp.ipo.eod.t_day:copy_in"
    )
    assert _differences(after_kill, timeline.state_before["T"]) == {}
    assert _differences(after_rerun, timeline.state_after["T"]) == {}


def test_killed_half_way_through_writing_a_t_file_nothing_partial_is_published_and_the_rerun_is_identical(
    timeline, worker_id
):
    # The second file the DBF writer opens (a participant's SGQS DBF or CSV) gets its first bytes, then
    # the process dies: that file is half written, under its .part name.
    after_kill, after_rerun = _kill_and_rerun(timeline, "T", f"{worker_id}_b", "--stop-in-write", "csdp.lib.dbf:2")
    reference = timeline.state_after["T"]["files"]
    partial = {path: digest for path, digest in after_kill["files"].items() if path not in reference}
    assert partial and all(path.endswith(".part") for path in partial)  # only under a name nobody reads
    assert all(reference[path] == digest for path, digest in after_kill["files"].items() if path in reference)
    assert after_kill["participant_files"] == []  # nothing published
    # T clearing, the step before, committed; the files step left no record
    assert after_kill["step_runs"] == [row for row in timeline.state_after["T"]["step_runs"] if row[1] != "t_files"]
    assert _differences(after_rerun, timeline.state_after["T"]) == {}  # no leftover .part either


def test_killed_between_creating_and_resolving_the_t1_holds_the_rerun_gives_the_uninterrupted_balances(
    timeline, worker_id
):
    # Stopped after every participant's hold was COPYed in and added to the totals, before any is
    # posted or voided: the holds are pending, uncommitted.
    after_kill, after_rerun = _kill_and_rerun(
        timeline, "T+1", f"{worker_id}_c", "--stop-after", "csdp.ipo.eod.t1_day:holds_create_bulk"
    )
    assert _differences(after_kill, timeline.state_before["T+1"]) == {}
    assert _differences(after_rerun, timeline.state_after["T+1"]) == {}


def test_killed_in_the_middle_of_registration_the_rerun_gives_the_uninterrupted_register(timeline, worker_id):
    # Stopped after the register's bulk append, before the state change, the fee notice and the step record.
    after_kill, after_rerun = _kill_and_rerun(
        timeline, "T+2", f"{worker_id}_d", "--stop-after", "csdp.ipo.eod.registration:register_apply_bulk"
    )
    assert _differences(after_kill, timeline.state_before["T+2"]) == {}
    assert _differences(after_rerun, timeline.state_after["T+2"]) == {}
