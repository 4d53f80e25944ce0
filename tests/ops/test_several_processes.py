"""Two web processes and two task workers against one PostgreSQL give the results one would
(docs/operations.md "Several machines"). Real separate processes: two gunicorn servers and two
`csdp db_worker`s on a copy of the test database.

- Every deposit is sent to both servers at once (a back office retrying on another machine): each
  moves money exactly once, both answers name the same transfer, and the balances are those of the
  deposits made once each.
- Login failures from one client address are counted together by both servers (the shared cache).
- Background tasks enqueued through both servers are each run exactly once by one of the workers.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from django.db import connection

from csdp.accounts.models import Institution, User
from csdp.accounts.roles import InstitutionKind
from csdp.accounts.tokens import api_token_create
from csdp.ledger.services import ledger_account_open

pytestmark = [pytest.mark.django_db(transaction=True)]

BIN = Path(sys.executable).parent
PARTICIPANTS = 3
DEPOSITS_EACH = 8


def _http(method: str, url: str, *, body: dict | None = None, headers: dict | None = None) -> tuple[int, dict | str]:
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(
        url, data=data, method=method, headers={"Content-Type": "application/json", **(headers or {})}
    )
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            raw, status = response.read(), response.status
    except urllib.error.HTTPError as error:
        raw, status = error.read(), error.code
    try:
        return status, json.loads(raw)
    except ValueError:
        return status, raw.decode("utf-8", "replace")


def _wait(url: str, seconds: int = 300) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(url, timeout=5)
            return
        except OSError:  # refused, reset or timed out while the server starts
            time.sleep(0.5)
    raise AssertionError(f"{url} did not come up")


def _seed() -> list[tuple[int, str]]:
    """Participants with a reserve account and a write token each: (institution id, key)."""
    out = []
    ledger_account_open(number="CSDC-BJ-BANK", name="本公司结算备付金专用存款账户", kind="depository_bank")
    for i in range(PARTICIPANTS):
        institution = Institution.objects.create(kind=InstitutionKind.PARTICIPANT, name=f"多进程证券{i}", code=f"MP{i}")
        user = User.objects.create(username=f"mp{i}", institution=institution)
        ledger_account_open(number=f"MP{i}-RES", name=f"备付金{i}", kind="participant_reserve", owner=institution)
        _, key = api_token_create(user=user, name="后台", scope="write")
        out.append((institution.pk, key))
    return out


def test_two_web_processes_and_two_workers_give_the_results_of_one(tmp_path):
    if connection.vendor != "postgresql" or not shutil.which("createdb"):
        pytest.skip("needs PostgreSQL (DATABASE_URL=postgres://…; .ci/run runs it)")
    participants = _seed()
    source = connection.settings_dict
    copy = f"csdp_multi_{uuid.uuid4().hex[:8]}"
    host, port, user = (
        source.get("HOST") or "127.0.0.1",
        str(source.get("PORT") or 5432),
        source.get("USER") or "postgres",
    )
    connection.close()  # a template database must have no other session
    # Earlier live-server tests of this worker leave idle sessions of their finished threads behind.
    subprocess.run(
        [
            "psql",
            "-h",
            host,
            "-p",
            port,
            "-U",
            user,
            "-d",
            "postgres",
            "-qAtc",
            f"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{source['NAME']}'",
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    made = subprocess.run(
        ["createdb", "-h", host, "-p", port, "-U", user, "-T", source["NAME"], copy],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert made.returncode == 0, made.stderr
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "csdp.settings.dev",
        "DEBUG": "0",
        "DATABASE_URL": f"postgres://{user}@{host}:{port}/{copy}",
        "CSDP_VAR_DIR": str(tmp_path),
        "CSDP_TASKS_BACKEND": "django_tasks_db.DatabaseBackend",
        "CSDP_TRUSTED_PROXIES": "1",
        "CSDP_PASSWORD_MAX_FAILURES": "1000",
    }
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    processes = []
    try:
        assert subprocess.run([str(BIN / "csdp"), "createcachetable"], env=env, timeout=300).returncode == 0
        ports = (18761, 18762)
        for p in ports:
            processes.append(
                subprocess.Popen(
                    [
                        str(BIN / "gunicorn"),
                        "csdp.wsgi:application",
                        "--bind",
                        f"127.0.0.1:{p}",
                        "--workers",
                        "1",
                        "--threads",
                        "4",
                    ],
                    env=env,
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.DEVNULL,
                )
            )
        for _ in range(2):
            processes.append(
                subprocess.Popen(
                    [str(BIN / "csdp"), "db_worker", "--interval", "0.2"],
                    env=env,
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.DEVNULL,
                )
            )
        servers = [f"http://127.0.0.1:{p}" for p in ports]
        for server in servers:
            _wait(server + "/healthz")

        # 1. Every deposit sent to both servers at once.
        jobs = [(institution_id, key, n) for institution_id, key in participants for n in range(DEPOSITS_EACH)]

        def deposit(job, server):
            _, key, n = job
            return _http(
                "POST",
                server + "/api/v1/ipo/deposits",
                body={"amount_fen": 100 * (n + 1), "reference": f"BANK-{n}"},
                headers={"Authorization": f"Bearer {key}"},
            )

        with ThreadPoolExecutor(max_workers=8) as pool:
            answers = list(pool.map(lambda pair: deposit(*pair), [(job, s) for job in jobs for s in servers]))
        assert all(status == 200 for status, _ in answers), [a for a in answers if a[0] != 200][:3]
        for i in range(0, len(answers), 2):
            a, b = answers[i][1], answers[i + 1][1]
            assert a["transfer_id"] == b["transfer_id"] and sorted([a["replayed"], b["replayed"]]) == [False, True]

        # 2. Failed logins from one address, spread over both servers, are counted together (limit 30).
        with urllib.request.urlopen(servers[0] + "/accounts/login/", timeout=60) as response:
            cookie = next(v for k, v in response.getheaders() if k.lower() == "set-cookie" and "csrftoken=" in v)
        csrf = cookie.split("csrftoken=")[1].split(";")[0]
        pages = []
        for attempt in range(31):
            form = urllib.parse.urlencode(
                {"username": "nobody", "password": "Wrong-Pass-1!", "mode": "password", "csrfmiddlewaretoken": csrf}
            ).encode()
            request = urllib.request.Request(
                servers[attempt % 2] + "/accounts/login/",
                data=form,
                method="POST",
                headers={
                    "X-Forwarded-For": "203.0.113.9",
                    "Cookie": f"csrftoken={csrf}",
                    "Content-Type": "application/x-www-form-urlencoded",
                },
            )
            with urllib.request.urlopen(request, timeout=60) as response:
                pages.append(response.read().decode())
        assert all("用户名或密码错误" in page for page in pages[:30])
        assert "登录失败次数过多" in pages[30]  # the 31st, whichever server: the 30 were counted together
        # 3. Background tasks through both servers: /readyz enqueues the heartbeat when it is stale.
        for server in servers:
            _http("GET", server + "/readyz")
        time.sleep(3)

        check = subprocess.run(
            [str(BIN / "csdp"), "shell", "-c", _REPORT], env=env, capture_output=True, text=True, timeout=300
        )
        assert check.returncode == 0, check.stderr
        report = json.loads(check.stdout.strip().splitlines()[-1])
    finally:
        for process in processes:
            process.send_signal(signal.SIGTERM)
        for process in processes:
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
        subprocess.run(["dropdb", "-h", host, "-p", port, "-U", user, "--if-exists", copy], capture_output=True)

    expected_fen = sum(100 * (n + 1) for n in range(DEPOSITS_EACH))
    assert report["balances"] == {f"MP{i}-RES": expected_fen for i in range(PARTICIPANTS)}  # what one process gives
    assert report["deposits"] == PARTICIPANTS * DEPOSITS_EACH
    assert report["tasks_not_done"] == 0 and report["tasks_run_twice"] == 0 and report["tasks_done"] >= 1
    assert report["restore_check_ok"] is True


_REPORT = """
import json
from django_tasks_db.models import DBTaskResult
from csdp.ledger.models import LedgerAccount, Transfer
from csdp.ops.restore import restore_check
balances = {a.number: a.credits_posted - a.debits_posted for a in LedgerAccount.objects.filter(number__startswith="MP")}
tasks = list(DBTaskResult.objects.all())
print(json.dumps({
    "balances": balances,
    "deposits": Transfer.objects.filter(code="DEPOSIT").count(),
    "tasks_done": sum(t.status == "SUCCESSFUL" for t in tasks),
    "tasks_not_done": sum(t.status not in ("SUCCESSFUL",) for t in tasks),
    "tasks_run_twice": sum(len(t.worker_ids) > 1 for t in tasks),
    "restore_check_ok": all(r.ok for r in restore_check()),
}))
"""
