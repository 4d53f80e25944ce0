"""Issue 14, item 1: several web processes and workers share one PostgreSQL; no process keeps business
data in its memory across requests. Worker A loads exchange file #1, worker B replaces it with #2,
then A runs T's end of day: the obligations and the published SGQS / SGHZ come from #2, which the
database holds — not from the #1 that A once loaded."""

from __future__ import annotations

import json
import subprocess
import sys
from urllib.parse import urlsplit

import pytest

from tests.ipo.test_eod_kill import DATABASE_URL, ROOT, World, _admin

pytestmark = pytest.mark.skipif(not DATABASE_URL.startswith("postgres"), reason="two processes on one PostgreSQL")


class Worker:
    def __init__(self, world: World):
        self.process = subprocess.Popen(
            [sys.executable, "-m", "tests.ipo.worker_child"],
            cwd=ROOT,
            env=world.env(),
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )

    def ask(self, command: str) -> dict:
        self.process.stdin.write(command + "\n")
        self.process.stdin.flush()
        line = self.process.stdout.readline()
        assert line.startswith("OK "), f"{command}: {line}{self.process.stderr.read() if not line else ''}"
        return json.loads(line[3:])

    def stop(self) -> None:
        self.process.stdin.close()
        assert self.process.wait(timeout=60) == 0, self.process.stderr.read()


@pytest.fixture
def shared_world(tmp_path, worker_id):
    world = World(tmp_path, "postgresql", f"{urlsplit(DATABASE_URL).path.lstrip('/')}_procs_{worker_id}")
    world.drop()
    _admin(f'CREATE DATABASE "{world.database}"')
    migrated = subprocess.run(
        [sys.executable, "-m", "csdp.cli", "migrate", "--noinput"],
        env=world.env(),
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert migrated.returncode == 0, migrated.stderr
    yield world
    world.drop()


def test_the_end_of_day_in_one_process_uses_the_file_another_process_loaded_last(shared_world):
    a, b = Worker(shared_world), Worker(shared_world)
    try:
        a.ask("setup")
        assert a.ask("load 1") == {"rows": 300}
        assert b.ask("load 2") == {"rows": 200}  # another web process replaces the file
        a.ask("eod")
        state = a.ask("state")
    finally:
        a.stop()
        b.stop()
    assert state["database_orders"] == state["cleared_orders"] == state["files"]["SGQS"] == 200
    assert state["owed_orders"] == state["valid_orders"]
    assert state["files"]["SGHZ"] > 0
