"""Keep the database baseline intact around transactional tests (``transaction=True``, ``live_server``).

Django empties every table after a transactional test ("flush"). Two things of ours do not survive
that on their own:
- the exchange holidays, which a data migration loads (csdp/clock/migrations/0002): put back before
  each transactional test, so a test never runs on a calendar without holidays;
- the append-only audit table: on SQLite the flush is a plain DELETE, which the no-delete trigger
  refuses (as it should). The rows are removed with the triggers lifted for that one statement,
  then the triggers are re-created. PostgreSQL flushes with TRUNCATE, which row triggers do not see.
"""
from __future__ import annotations

import importlib

import pytest


def _is_transactional(request) -> bool:
    names = request.fixturenames
    if "transactional_db" in names or "live_server" in names:
        return True
    marker = request.node.get_closest_marker("django_db")
    return bool(marker and (marker.kwargs.get("transaction") or (marker.args and marker.args[0])))


def holidays_restore() -> None:
    from django.apps import apps

    from csdp.clock.models import ClosedDay
    from csdp.clock.services import calendar_invalidate

    if not ClosedDay.objects.exists():
        importlib.import_module("csdp.clock.migrations.0002_load_holidays").load(apps, None)
    calendar_invalidate()


def audit_rows_purge() -> None:
    from django.db import connection

    if connection.vendor != "sqlite":
        return
    append_only = importlib.import_module("csdp.audit.migrations.0002_append_only")
    with connection.cursor() as cursor:
        for statement in append_only.SQLITE_DROP:
            cursor.execute(statement)
        cursor.execute("DELETE FROM audit_auditevent")
        for statement in append_only.SQLITE:
            cursor.execute(statement)


@pytest.fixture(autouse=True)
def transactional_baseline(request):
    if not _is_transactional(request):
        yield
        return
    # Requesting it here orders our teardown before the flush done by pytest-django's helper.
    request.getfixturevalue("transactional_db")
    holidays_restore()
    yield
    audit_rows_purge()


@pytest.fixture(autouse=True)
def clock_caches_cleared():
    """The clock and the calendar cache their rows for a second per thread; a test must not see the
    clock another test set (and then rolled back) a moment ago."""
    from csdp.clock.services import _state

    _state.clock = _state.closed = None
    yield
    _state.clock = _state.closed = None
