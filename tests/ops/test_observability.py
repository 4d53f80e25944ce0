"""/healthz, /readyz, /metrics, JSON-lines logs and the Chinese 500 page."""

from __future__ import annotations

import datetime as dt
import json
import logging
import re

import pytest
from django.test import Client
from django.utils import timezone

from csdp.lib.logs import JsonLinesFormatter
from csdp.ops import views as ops_views
from csdp.ops.models import WorkerHeartbeat

pytestmark = pytest.mark.django_db


def test_healthz_answers_without_the_database():
    assert Client().get("/healthz").json() == {"status": "ok"}


def test_readyz_is_ok_when_everything_works_and_names_what_is_not(settings, tmp_path):
    ready = Client().get("/readyz")
    assert ready.status_code == 200, ready.json()
    assert ready.json()["checks"] == {"database": "ok", "migrations": "ok", "worker": "ok", "storage": "ok"}

    (tmp_path / "file").write_text("not a directory")
    settings.CSDP_FILES_DIR = tmp_path / "file" / "files"
    broken = Client().get("/readyz")
    assert broken.status_code == 503 and "CSDP_FILES_DIR" in broken.json()["checks"]["storage"]


def test_readyz_fails_when_no_worker_took_the_heartbeat(settings, monkeypatch):
    from csdp.ops import tasks

    class Unworked:  # enqueued, but no worker runs it
        def enqueue(self):
            return None

    monkeypatch.setattr(tasks, "worker_heartbeat", Unworked())
    WorkerHeartbeat.objects.update_or_create(pk=1, defaults={"at": timezone.now() - dt.timedelta(hours=1)})
    response = Client().get("/readyz")
    assert response.status_code == 503 and "心跳已超时" in response.json()["checks"]["worker"]


def test_readyz_reports_pending_migrations(monkeypatch):
    monkeypatch.setattr(ops_views, "_migrations_done", False)
    monkeypatch.setattr(
        "django.db.migrations.executor.MigrationExecutor.migration_plan", lambda self, targets: [("x", False)]
    )
    response = Client().get("/readyz")
    assert response.status_code == 503 and response.json()["checks"]["migrations"] == "尚有 1 个数据库迁移未执行"


def test_metrics_expose_requests_failed_logins_queue_lag(cast, settings):
    Client().get("/healthz")
    Client().post("/accounts/login/", {"username": "participant", "password": "wrong-Pass-1!"})
    text = Client().get("/metrics").content.decode()
    assert 'csdp_http_requests_total{pid="' in text and 'route="health",method="GET",status="200"' in text
    assert "csdp_failed_logins_total 1" in text
    assert "csdp_task_queue_lag_seconds " in text
    assert "csdp_http_request_duration_seconds_bucket{" in text


def test_metrics_require_the_token_when_one_is_configured(settings):
    settings.CSDP_METRICS_TOKEN = "s3cret"
    assert Client().get("/metrics").status_code == 401
    assert Client().get("/metrics", HTTP_AUTHORIZATION="Bearer s3cret").status_code == 200


def test_eod_step_durations_and_rows_come_from_the_step_records(cast):
    from csdp.ipo.models import EodStepRun
    from tests.ipo.matrix import offering

    offering_id, _ = offering(cast)
    EodStepRun.objects.create(
        offering_id=offering_id,
        step="t_clearing",
        business_date=dt.date(2026, 3, 16),
        status="done",
        rows=1234,
        seconds=2.5,
    )
    text = Client().get("/metrics").content.decode()
    assert 'csdp_eod_step_seconds{step="t_clearing",business_date="2026-03-16"} 2.500' in text
    assert 'csdp_eod_step_rows{step="t_clearing",business_date="2026-03-16"} 1234' in text


def test_json_lines_logs_carry_the_extra_fields():
    record = logging.LogRecord("csdp.audit", logging.INFO, "x", 1, "user.unlock %s", ("u",), None)
    record.action, record.object_id = "user.unlock", "7"
    line = json.loads(JsonLinesFormatter().format(record))
    assert (line["level"], line["message"], line["action"], line["object_id"]) == (
        "INFO",
        "user.unlock u",
        "user.unlock",
        "7",
    )


def test_every_audited_business_step_is_logged_after_commit(cast, caplog, django_capture_on_commit_callbacks):
    from csdp.accounts.administration import user_unlock

    with caplog.at_level(logging.INFO, logger="csdp.audit"):
        with django_capture_on_commit_callbacks(execute=False) as callbacks:
            user_unlock(user=cast.participant, actor=cast.admin)
        assert not [r for r in caplog.records if getattr(r, "event", None) == "business_step"]  # not before commit
        for callback in callbacks:
            callback()
    steps = [r for r in caplog.records if getattr(r, "event", None) == "business_step"]
    assert steps and steps[-1].action == "user.unlock" and steps[-1].actor == "admin"


def test_a_server_error_shows_the_chinese_500_page():
    from csdp.ops.views import server_error

    response = server_error(None)
    assert response.status_code == 500 and "系统暂时无法处理您的请求" in response.content.decode()


def test_the_api_docs_page_works_offline_from_the_installed_package(cast, client_for):
    from django.contrib.staticfiles import finders

    page = client_for(cast.participant).get("/api/v1/docs").content.decode()
    # Every script and stylesheet comes from our own static files; a CSRF token may
    # contain any letters, so look at the addresses, not at the page's text.
    addresses = re.findall(r'(?:src|href)="([^"]*)"', page)
    assert "/static/ninja/swagger-ui-bundle.js" in addresses
    assert all(a.startswith("/") and not a.startswith("//") for a in addresses), addresses
    assert finders.find("ninja/swagger-ui-bundle.js") and finders.find("ninja/swagger-ui.css")
