"""Production settings: Django's deployment checklist passes with no warning, and the settings refuse
to start without a secret key or with a settable business clock or the software key."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

MANAGE = Path(__file__).resolve().parents[1] / "manage.py"
SECRET_KEY = "pX7#qL2v9Tz!mR4w8Yc1Nf6Hb3Jd0Ks5Ga-Ue2Wi7Oo9Pl4Qx8Zr1Vt6Sy3M"  # 60 characters, many distinct


def _production_env(tmp_path, **overrides) -> dict[str, str]:
    # Built from nothing: the test process itself runs with CSDP_CLOCK_SETTABLE=1 (csdp.settings.test).
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(tmp_path),
        "PYTHONPATH": str(MANAGE.parent),
        "DJANGO_SETTINGS_MODULE": "csdp.settings.production",
        "SECRET_KEY": SECRET_KEY,
        "ALLOWED_HOSTS": "csdp.example.cn",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'x.sqlite3'}",
        "CSDP_VAR_DIR": str(tmp_path),
        "CSDP_CA_PASSPHRASE": "ca-passphrase-for-the-deploy-check-0123456789",
    }
    env.update(overrides)
    return {name: value for name, value in env.items() if value is not None}


def _manage(env, *args) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, str(MANAGE), *args], env=env, capture_output=True, text=True, timeout=180, cwd=env["HOME"]
    )


def test_the_deployment_checklist_passes_without_a_single_warning(tmp_path):
    assert len(SECRET_KEY) == 60
    done = _manage(_production_env(tmp_path), "check", "--deploy", "--fail-level", "WARNING")

    assert done.returncode == 0, done.stdout + done.stderr
    assert "System check identified no issues" in done.stdout


def test_production_refuses_to_start_without_a_secret_key(tmp_path):
    done = _manage(_production_env(tmp_path, SECRET_KEY=None), "check")

    assert done.returncode != 0
    assert "SECRET_KEY" in done.stderr and "未设置" in done.stderr


def test_production_refuses_a_short_or_development_secret_key(tmp_path):
    short = _manage(_production_env(tmp_path, SECRET_KEY="too-short"), "check")
    dev = _manage(_production_env(tmp_path, SECRET_KEY="dev-only-" + "x" * 60), "check")

    assert short.returncode != 0 and dev.returncode != 0
    assert "at least 50 characters" in short.stderr and "at least 50 characters" in dev.stderr


@pytest.mark.parametrize("flag", ["CSDP_CLOCK_SETTABLE", "CSDP_SOFTWARE_KEY_ALLOWED"])
def test_production_refuses_to_start_with_a_demo_only_switch_on(tmp_path, flag):
    done = _manage(_production_env(tmp_path, **{flag: "1"}), "check")

    assert done.returncode != 0
    assert f"{flag} must be off in production" in done.stderr


def test_production_turns_the_demo_world_off_whatever_the_environment_says(tmp_path):
    done = _manage(
        _production_env(tmp_path, CSDP_DEMO="1"),
        "shell",
        "--verbosity",
        "0",
        "-c",
        "from django.conf import settings; print(settings.CSDP_DEMO, settings.CSDP_CLOCK_SETTABLE, settings.DEBUG)",
    )

    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["False", "False", "False"]


def test_production_refuses_to_start_without_its_own_ca_passphrase(tmp_path):
    done = _manage(_production_env(tmp_path, CSDP_CA_PASSPHRASE=None), "check")
    assert done.returncode != 0
    assert "CSDP_CA_PASSPHRASE" in done.stderr
