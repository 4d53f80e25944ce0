"""Issue 15, Tests: a process killed inside a register business step and run again gives the same
register and files. The step is the end of day's apply of an approved 03 股份解除限售登记 (csdp eod run →
approvals → business_apply); a child process (tests/register/eod_child.py) stops itself at a point
inside the step's open transaction and is SIGKILLed there (the mechanism of tests/ipo/test_eod_kill.py);
a fresh process runs the end of day again. Its register, capital, approval, GFBD files (every byte)
and their records must equal those of the same world whose end of day was never interrupted.

PostgreSQL only: the kill must land while another server process holds the step's transaction open,
which is the production set-up; SQLite's file lock makes a different (and already covered) story.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from tests.ipo.test_eod_kill import DATABASE_URL, ROOT, World, _admin, _differences

pytestmark = pytest.mark.skipif(
    not DATABASE_URL.startswith("postgres"),
    reason="a kill inside the step's open transaction is tested on PostgreSQL (DATABASE_URL), the production database",
)


class RegisterWorld(World):
    def _start(self, *args: str):
        log = self.directory / f"child-{time.monotonic_ns()}.log"
        with open(log, "wb") as out:
            child = subprocess.Popen(
                [sys.executable, "-m", "tests.register.eod_child", *args],
                cwd=ROOT,
                env=self.env(),
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        return child, log

    def copy(self, name: str) -> RegisterWorld:
        copied = super().copy(name)
        return RegisterWorld(copied.directory, copied.engine, copied.database)


@dataclass
class Timeline:
    before: RegisterWorld
    state_before: dict
    state_after: dict


@pytest.fixture(scope="module")
def timeline(tmp_path_factory):
    worker_id = os.environ.get("PYTEST_XDIST_WORKER", "main")
    directory = tmp_path_factory.mktemp("register-kill") / "base"
    directory.mkdir()
    base = RegisterWorld(
        directory, "postgresql", f"{urlsplit(DATABASE_URL).path.lstrip('/')}_kill_reg_{worker_id}_base"
    )
    base.drop()
    _admin(f'CREATE DATABASE "{base.database}"')
    migrated = subprocess.run(
        [sys.executable, "-m", "csdp.cli", "migrate", "--noinput"],
        env=base.env(),
        cwd=ROOT,
        capture_output=True,
        timeout=900,
    )
    assert migrated.returncode == 0, migrated.stderr.decode()[-2000:]
    (state_before,) = base.run("prepare", "dump")
    before = base.copy(f"reg_{worker_id}_before")
    (state_after,) = base.run("eod", "dump")
    yield Timeline(before, state_before, state_after)
    for world in (base, before):
        world.drop()
        shutil.rmtree(world.directory, ignore_errors=True)


def test_the_reference_end_of_day_releases_every_lot_with_its_encumbrances_and_writes_the_files(timeline):
    after = timeline.state_after
    assert [row[1] for row in after["approvals"]] == ["applied"]
    assert not any(row[2] == "05" and row[4] != "0" for row in after["positions"])  # every 05 lot released
    assert any(row[2] == "00" and row[5] == "500" and row[6] == "1000" for row in after["positions"])
    assert len([p for p in after["files"] if Path(p).name.startswith("GFBD")]) == 6  # 3 custodians × dbf, csv
    assert not any(p.endswith(".part") for p in after["files"])


@pytest.mark.parametrize(
    "stop",
    [
        ("--stop-after", "csdp.register.bulk:register_apply_bulk_balances"),  # events and positions in, not committed
        ("--stop-in-write", "csdp.lib.dbf:2"),  # a GFBD file half written
        ("--stop-after", "csdp.register.holding_files:holding_change_files_record"),  # files staged, not committed
    ],
)
def test_killed_inside_the_release_the_rerun_gives_the_uninterrupted_register_and_files(timeline, stop):
    worker_id = os.environ.get("PYTEST_XDIST_WORKER", "main")
    world = timeline.before.copy(f"reg_{worker_id}_{stop[1].split(':')[-1]}")
    try:
        world.kill_at(*stop)
        after_kill, after_rerun = world.run("dump", "eod", "dump")
    finally:
        world.drop()
    # Nothing of the step committed, and no participant can read a GFBD file of it.
    assert {k: v for k, v in after_kill.items() if k != "files"} == {
        k: v for k, v in timeline.state_before.items() if k != "files"
    }
    assert not any(Path(p).name.startswith("GFBD") and not p.endswith(".part") for p in after_kill["files"])
    assert _differences(after_rerun, timeline.state_after) == {}
