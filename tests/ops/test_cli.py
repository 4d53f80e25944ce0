"""The operators' command line: `csdp --help`, `csdp eod run` on a closed day and while another run holds
the lock, `csdp admin create` through the console script."""

from __future__ import annotations

import fcntl
from pathlib import Path

from csdp.lib.locks import LOCK_BUSY_EXIT
from tests.cli import run_csdp


def test_help_lists_the_operator_commands_first_one_line_each(cli_env):
    done = run_csdp(cli_env, "--help")
    assert done.returncode == 0
    lines = done.stdout.splitlines()
    start = lines.index("运维命令：")
    assert lines[start + 1].split()[0] == "admin" and lines[start + 2].split()[0] == "eod"
    assert any(line.startswith("其他 Django 命令") for line in lines[start:])
    assert lines.index(next(line for line in lines if line.startswith("其他 Django 命令"))) > start + 10


def test_eod_run_on_a_closed_day_exits_0_with_a_message(cli_env):
    done = run_csdp(cli_env, "eod", "run", "--date", "2026-02-16")  # 春节
    assert done.returncode == 0, done.stderr
    assert "2026-02-16 不是交易日，没有日终处理。" in done.stdout


def test_a_second_eod_run_while_one_holds_the_lock_does_nothing_and_exits_3(cli_env):
    lock = Path(cli_env["CSDP_VAR_DIR"]) / ".eod-run.lock"
    with open(lock, "a+") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        handle.write("machine-a pid 1")
        handle.flush()
        busy = run_csdp(cli_env, "eod", "run", "--date", "2026-03-16")
    assert busy.returncode == LOCK_BUSY_EXIT
    assert "日终处理正在由 machine-a pid 1 运行" in busy.stderr
    again = run_csdp(cli_env, "eod", "run", "--date", "2026-03-16")
    assert again.returncode == 0, again.stderr


def test_admin_create_through_the_console_script_reads_the_password_from_stdin(cli_env):
    import subprocess

    from tests.cli import CSDP

    done = subprocess.run(
        [str(CSDP), "admin", "create", "--username", "ops1", "--role", "管理员", "--password-stdin"],
        input="Very-Strong-Pass-2026!\n",
        env=cli_env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert "已创建内部用户 ops1（管理员）" in done.stdout and "临时密码" not in done.stdout
