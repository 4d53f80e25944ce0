"""Running the real console script `.venv/bin/csdp` in a child process.

The test database lives in the test process (SQLite in memory, or a PostgreSQL database inside a
transaction), which a child process cannot see. So the CLI tests get their own SQLite file: one is
migrated per test session (per xdist worker) and each test receives a fresh copy of it.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

CSDP = Path(sys.executable).with_name("csdp")


def run_csdp(env: dict[str, str], *args: str, timeout_s: int = 120) -> subprocess.CompletedProcess:
    return subprocess.run([str(CSDP), *args], env=env, capture_output=True, text=True, timeout=timeout_s)


def _env_for(database: Path, var_dir: Path) -> dict[str, str]:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "csdp.settings.test",
        "DATABASE_URL": f"sqlite:///{database}",
        "CSDP_VAR_DIR": str(var_dir),
    }
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    return env


@pytest.fixture(scope="session")
def cli_database_template(tmp_path_factory) -> Path:
    directory = tmp_path_factory.mktemp("cli-template")
    database = directory / "csdp.sqlite3"
    done = run_csdp(_env_for(database, directory), "migrate", "--noinput", timeout_s=300)
    assert done.returncode == 0, done.stderr
    with sqlite3.connect(database) as connection:  # fold the WAL into the file before copying it
        connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return database


@pytest.fixture
def cli_env(cli_database_template, tmp_path) -> dict[str, str]:
    """The environment for run_csdp(): DATABASE_URL points at this test's own migrated SQLite file
    (``cli_env["CSDP_TEST_DATABASE"]`` is its path, for tests that open it directly)."""
    database = tmp_path / "csdp.sqlite3"
    shutil.copyfile(cli_database_template, database)
    env = _env_for(database, tmp_path)
    env["CSDP_TEST_DATABASE"] = str(database)
    return env
