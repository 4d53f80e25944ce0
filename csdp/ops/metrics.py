"""Prometheus metrics (text exposition format 0.0.4), without a client library.

Two kinds: per-process request counters and durations kept in this process (labelled with ``pid``, so
several gunicorn workers scraped through one address add up in PromQL with ``sum without (pid)``), and
everything else read from the database at scrape time, so every process reports the same: end-of-day
step durations and rows, the task queue's lag, failed logins (counted in the shared cache).
"""

from __future__ import annotations

import os
import threading
import time
from collections import defaultdict

from django.core.cache import cache
from django.urls import Resolver404, resolve

from csdp.accounts.services import FAILED_LOGINS_KEY
from csdp.ipo.models import EodStepRun
from csdp.ops.models import WorkerHeartbeat
from django.db.models import Max, Min
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

BUCKETS_S = (0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)

_lock = threading.Lock()
_requests: dict[tuple[str, str, str], int] = defaultdict(int)
_duration_buckets: dict[tuple[str, float], int] = defaultdict(int)
_duration_sum: dict[str, float] = defaultdict(float)
_duration_count: dict[str, int] = defaultdict(int)


def _route(request) -> str:
    # The URL name, never the raw path: ids in paths would make one series per object.
    try:
        match = resolve(request.path_info)
    except Resolver404:
        return "unmatched"
    return match.view_name or "unnamed"


class RequestMetricsMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        started = time.perf_counter()
        response = self.get_response(request)
        elapsed = time.perf_counter() - started
        route = _route(request)
        with _lock:
            _requests[(route, request.method, str(response.status_code))] += 1
            for bound in BUCKETS_S:
                if elapsed <= bound:
                    _duration_buckets[(route, bound)] += 1
            _duration_sum[route] += elapsed
            _duration_count[route] += 1
        return response


def _escape(value: str) -> str:
    return str(value).replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


def _labels(**labels) -> str:
    return "{" + ",".join(f'{k}="{_escape(v)}"' for k, v in labels.items()) + "}"


def _process_lines(pid: str) -> list[str]:
    lines = [
        "# HELP csdp_http_requests_total HTTP requests handled by this process.",
        "# TYPE csdp_http_requests_total counter",
    ]
    with _lock:
        requests = dict(_requests)
        buckets, sums, counts = dict(_duration_buckets), dict(_duration_sum), dict(_duration_count)
    for (route, method, status), n in sorted(requests.items()):
        lines.append(f"csdp_http_requests_total{_labels(pid=pid, route=route, method=method, status=status)} {n}")
    lines += [
        "# HELP csdp_http_request_duration_seconds Time to answer a request, by URL name.",
        "# TYPE csdp_http_request_duration_seconds histogram",
    ]
    for route in sorted(counts):
        for bound in BUCKETS_S:
            n = buckets.get((route, bound), 0)
            lines.append(f"csdp_http_request_duration_seconds_bucket{_labels(pid=pid, route=route, le=bound)} {n}")
        lines.append(
            f"csdp_http_request_duration_seconds_bucket{_labels(pid=pid, route=route, le='+Inf')} {counts[route]}"
        )
        lines.append(f"csdp_http_request_duration_seconds_sum{_labels(pid=pid, route=route)} {sums[route]:.6f}")
        lines.append(f"csdp_http_request_duration_seconds_count{_labels(pid=pid, route=route)} {counts[route]}")
    return lines


def _database_lines() -> list[str]:
    lines = [
        "# HELP csdp_eod_step_seconds Duration of the latest completed run of each end-of-day step.",
        "# TYPE csdp_eod_step_seconds gauge",
    ]
    latest = (
        EodStepRun.objects.filter(status=EodStepRun.Status.DONE)
        .values("step")
        .annotate(last=Max("id"))
        .values_list("last", flat=True)
    )
    runs = list(EodStepRun.objects.filter(pk__in=list(latest)).select_related("offering").order_by("step"))
    for run in runs:
        lines.append(
            f"csdp_eod_step_seconds{_labels(step=run.step, business_date=run.business_date)} {run.seconds:.3f}"
        )
    lines += [
        "# HELP csdp_eod_step_rows Rows handled by the latest completed run of each end-of-day step.",
        "# TYPE csdp_eod_step_rows gauge",
    ]
    for run in runs:
        lines.append(f"csdp_eod_step_rows{_labels(step=run.step, business_date=run.business_date)} {run.rows}")
    now = timezone.now()
    waiting = DBTaskResult.objects.filter(status="READY", run_after__lte=now)
    oldest = waiting.aggregate(oldest=Min("enqueued_at"))["oldest"]
    lag = (now - oldest).total_seconds() if oldest else 0.0
    lines += [
        "# HELP csdp_task_queue_lag_seconds Age of the oldest background task waiting for a worker.",
        "# TYPE csdp_task_queue_lag_seconds gauge",
        f"csdp_task_queue_lag_seconds {lag:.3f}",
        "# HELP csdp_task_queue_ready Background tasks waiting for a worker.",
        "# TYPE csdp_task_queue_ready gauge",
        f"csdp_task_queue_ready {waiting.count()}",
    ]
    beat = WorkerHeartbeat.objects.filter(pk=1).first()
    if beat is not None:
        lines += [
            "# HELP csdp_worker_heartbeat_age_seconds Time since a task worker last ran the heartbeat task.",
            "# TYPE csdp_worker_heartbeat_age_seconds gauge",
            f"csdp_worker_heartbeat_age_seconds {(now - beat.at).total_seconds():.3f}",
        ]
    lines += [
        "# HELP csdp_failed_logins_total Failed password logins, all processes.",
        "# TYPE csdp_failed_logins_total counter",
        f"csdp_failed_logins_total {cache.get(FAILED_LOGINS_KEY) or 0}",
    ]
    return lines


def metrics_text() -> str:
    return "\n".join(_process_lines(str(os.getpid())) + _database_lines()) + "\n"
