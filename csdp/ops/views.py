"""/healthz (the process answers), /readyz (it can do its work), /metrics (Prometheus), the 500 page."""

from __future__ import annotations

import datetime as dt
import hmac
import tempfile
from pathlib import Path

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections
from django.http import HttpResponse, JsonResponse
from django.template import loader
from django.utils import timezone
from django.views.decorators.cache import never_cache

from csdp.accounts.access import public
from csdp.ops.metrics import metrics_text
from csdp.ops.models import WorkerHeartbeat
from django.db.migrations.executor import MigrationExecutor

_migrations_done = False  # once applied they stay applied: no need to load the graph on every probe


@public
@never_cache
def healthz(request):
    """Liveness: the process runs and answers. Nothing external, so a database outage does not get
    every web process restarted by the orchestrator."""
    return JsonResponse({"status": "ok"})


def _database() -> str | None:
    try:
        with connections[DEFAULT_DB_ALIAS].cursor() as cursor:
            cursor.execute("SELECT 1")
    except Exception as error:
        return f"数据库不可用：{type(error).__name__}"
    return None


def _migrations() -> str | None:
    global _migrations_done
    if _migrations_done:
        return None

    executor = MigrationExecutor(connections[DEFAULT_DB_ALIAS])
    pending = executor.migration_plan(executor.loader.graph.leaf_nodes())
    if pending:
        return f"尚有 {len(pending)} 个数据库迁移未执行"
    _migrations_done = True
    return None


def _storage() -> str | None:
    for name in ("CSDP_STORAGE_DIR", "CSDP_FILES_DIR"):
        directory = Path(getattr(settings, name))
        try:
            directory.mkdir(parents=True, exist_ok=True)  # a fresh install has not made it yet
            with tempfile.NamedTemporaryFile(dir=directory, prefix=".readyz-"):
                pass
        except OSError as error:
            return f"{name} 不可写：{error.strerror}"
    return None


def _worker() -> str | None:
    from csdp.ops.tasks import worker_heartbeat  # read at call time: tests replace it at its source

    limit = dt.timedelta(seconds=settings.CSDP_WORKER_HEARTBEAT_MAX_S)
    beat = WorkerHeartbeat.objects.filter(pk=1).first()
    now = timezone.now()
    if beat is None or now - beat.at > limit / 2:
        worker_heartbeat.enqueue()  # the next probe sees whether a worker took it
        beat = WorkerHeartbeat.objects.filter(pk=1).first()
    if beat is None:
        return "尚无任务进程心跳（db_worker 是否在运行？）"
    if now - beat.at > limit:
        return f"任务进程心跳已超时 {int((now - beat.at).total_seconds())} 秒"
    return None


@public
@never_cache
def readyz(request):
    """Readiness: database reachable, migrations applied, storage writable, a task worker alive.
    503 with the failing checks named, so a load balancer takes this process out of rotation."""
    checks = {"database": _database()}
    if checks["database"] is None:
        checks["migrations"] = _migrations()
        checks["worker"] = _worker()
    checks["storage"] = _storage()
    failing = {name: problem for name, problem in checks.items() if problem}
    body = {
        "status": "ok" if not failing else "unavailable",
        "checks": {name: (problem or "ok") for name, problem in checks.items()},
    }
    return JsonResponse(body, status=503 if failing else 200, json_dumps_params={"ensure_ascii": False})


@public
@never_cache
def metrics(request):
    """Prometheus scrape. With CSDP_METRICS_TOKEN set, the scraper sends it as a bearer token."""
    expected = settings.CSDP_METRICS_TOKEN
    if expected:
        given = request.META.get("HTTP_AUTHORIZATION", "").removeprefix("Bearer ").strip()
        if not hmac.compare_digest(given.encode(), expected.encode()):
            return HttpResponse("需要监控令牌。", status=401, content_type="text/plain; charset=utf-8")
    return HttpResponse(metrics_text(), content_type="text/plain; version=0.0.4; charset=utf-8")


def server_error(request):
    """The Chinese 500 page: a plain template, no context processors (they may be what failed)."""
    return HttpResponse(loader.get_template("500.html").render(), status=500)
