"""Keep the database baseline intact around transactional tests (``transaction=True``, ``live_server``).

Django empties every table after a transactional test ("flush"). Two things of ours do not survive
that on their own:
- the rows data migrations load (exchange holidays, pledge rules …): every transactional test is
  given ``serialized_rollback=True`` at collection, so Django restores the post-migration content
  before it runs (the database is serialized once, when the test database is created);
- the append-only tables (audit, ledger, register …): on SQLite the flush is a plain DELETE, which
  their no-delete triggers refuse (as they should). The tables are emptied with the triggers lifted
  for that moment, then the triggers are re-created exactly as they were. PostgreSQL flushes with
  TRUNCATE, which row triggers do not see.
"""

from __future__ import annotations

import pytest


def _is_transactional(request) -> bool:
    names = request.fixturenames
    if "transactional_db" in names or "live_server" in names:
        return True
    marker = request.node.get_closest_marker("django_db")
    return bool(marker and (marker.kwargs.get("transaction") or (marker.args and marker.args[0])))


_DJANGO_DB_ARGS = ("transaction", "reset_sequences", "databases", "serialized_rollback", "available_apps")


def pytest_collection_modifyitems(items) -> None:
    """Give every transactional test serialized rollback (see the module docstring)."""
    for item in items:
        marker = item.get_closest_marker("django_db")
        options = dict(zip(_DJANGO_DB_ARGS, marker.args)) | marker.kwargs if marker else {}
        uses_server = {"live_server", "transactional_db"} & set(getattr(item, "fixturenames", ()))
        if options.get("transaction") or uses_server:
            item.add_marker(
                pytest.mark.django_db(**{**options, "transaction": True, "serialized_rollback": True}), append=False
            )


def append_only_tables_emptied() -> None:
    """Empty every table on SQLite with the triggers lifted for that moment (then re-created as
    they were), so that Django's own flush that follows meets only empty tables."""
    from django.core.management.color import no_style
    from django.db import connection, transaction

    if connection.vendor != "sqlite":
        return
    tables = connection.introspection.django_table_names(only_existing=True, include_views=False)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND sql IS NOT NULL")
        triggers = cursor.fetchall()
        for name, _ in triggers:
            cursor.execute(f'DROP TRIGGER "{name}"')
        for statement in connection.ops.sql_flush(no_style(), tables):
            cursor.execute(statement)
        for _, statement in triggers:
            cursor.execute(statement)


@pytest.fixture(autouse=True)
def transactional_baseline(request):
    if not _is_transactional(request):
        yield
        return
    # Requesting it here orders our teardown before the flush done by pytest-django's helper.
    request.getfixturevalue("transactional_db")
    yield
    append_only_tables_emptied()


@pytest.fixture(autouse=True)
def clock_caches_cleared():
    """The clock and the calendar cache their rows for a second per thread; a test must not see the
    clock another test set (and then rolled back) a moment ago."""
    from csdp.clock.services import _state

    _state.clock = _state.closed = None
    yield
    _state.clock = _state.closed = None


@pytest.fixture(autouse=True)
def caches_cleared():
    """Rate-limit and lockout counters live in the cache (per process in tests): start each test
    with none, so one test's failed logins never count against another's."""
    from django.core.cache import cache

    from csdp.ipo.selectors import forget_remembered

    cache.clear()
    forget_remembered()  # frames kept after an earlier test's commit: ids can come round again
    yield
