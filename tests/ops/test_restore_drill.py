"""The restore drill on PostgreSQL (docs/operations.md): a world with register events, ledger holds and
files is committed, dumped with pg_dump, restored with pg_restore into a new database, and the real
`csdp ops restore-check` in a child process passes against the restored copy — and names a file that
changed afterwards."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import uuid
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from csdp.uploads.models import StoredFile
from tests.cli import CSDP
from tests.ops.test_restore_check import consistent  # noqa: F401  (fixture)
from tests.register.conftest import world  # noqa: F401  (fixture)

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not shutil.which("pg_dump"), reason="pg_dump / pg_restore not installed"),
]


def _pg(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(list(args), capture_output=True, text=True, timeout=600)


def test_dump_restore_then_restore_check_passes_and_catches_a_changed_file(consistent, tmp_path):
    if connection.vendor != "postgresql":
        pytest.skip("the drill needs PostgreSQL (DATABASE_URL=postgres://…; .ci/run runs it)")
    source = connection.settings_dict
    target = f"csdp_drill_{uuid.uuid4().hex[:8]}"
    common = [
        "-h",
        source.get("HOST") or "127.0.0.1",
        "-p",
        str(source.get("PORT") or 5432),
        "-U",
        source.get("USER") or "postgres",
    ]
    dump = tmp_path / "csdp.dump"
    done = _pg("pg_dump", *common, "-Fc", "-f", str(dump), source["NAME"])
    assert done.returncode == 0, done.stderr
    assert _pg("createdb", *common, target).returncode == 0
    try:
        restored = _pg("pg_restore", *common, "--no-owner", "-d", target, str(dump))
        assert restored.returncode == 0, restored.stderr
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "csdp.settings.test",
            "DATABASE_URL": f"postgres://{common[5]}@{common[1]}:{common[3]}/{target}",
            "CSDP_STORAGE_DIR": str(settings.CSDP_STORAGE_DIR),
            "CSDP_FILES_DIR": str(settings.CSDP_FILES_DIR),
        }
        check = subprocess.run(
            [str(CSDP), "ops", "restore-check", "--json"], env=env, capture_output=True, text=True, timeout=300
        )
        report = json.loads(check.stdout)
        assert (check.returncode, report["ok"]) == (0, True), report
        assert {c["name"]: c["checked"] for c in report["checks"]}["ledger"] == 3

        stored = StoredFile.objects.get()
        (Path(settings.CSDP_STORAGE_DIR) / stored.storage_path).write_bytes(b"changed after the backup")
        check = subprocess.run(
            [str(CSDP), "ops", "restore-check", "--json"], env=env, capture_output=True, text=True, timeout=300
        )
        files = next(c for c in json.loads(check.stdout)["checks"] if c["name"] == "files")
        assert check.returncode == 1 and "SHA-256 与记录不符" in files["problems"][0]
    finally:
        _pg("dropdb", *common, "--if-exists", target)
