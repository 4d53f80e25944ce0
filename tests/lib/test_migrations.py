"""AddIndexOnline: an index built without blocking writes on PostgreSQL, a plain one elsewhere."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.db.migrations.loader import MigrationLoader

from csdp.lib.migrations import AddIndexOnline

FORWARD = ("securities", "0008_account_closed_index")
BEFORE = ("securities", "0007_investor_updated_at")


def _sql(*args: str) -> str:
    out = StringIO()
    call_command("sqlmigrate", "securities", "0008", *args, stdout=out)
    return out.getvalue()


@pytest.mark.django_db(transaction=True)  # SQLite's schema editor will not run inside a test's transaction
def test_the_closed_accounts_index_is_built_concurrently_on_postgresql_and_plainly_elsewhere():
    forward, backward = _sql(), _sql("--backwards")
    if connection.vendor == "postgresql":
        assert 'CREATE INDEX CONCURRENTLY "account_closed"' in forward
        assert 'DROP INDEX CONCURRENTLY IF EXISTS "account_closed"' in backward
    else:
        assert 'CREATE INDEX "account_closed"' in forward and "CONCURRENTLY" not in forward
        assert "CONCURRENTLY" not in backward


def test_the_migration_runs_outside_a_transaction_as_a_concurrent_build_must():
    migration = MigrationLoader(None).get_migration(*FORWARD)
    assert migration.atomic is False
    assert any(isinstance(operation, AddIndexOnline) for operation in migration.operations)


def _indexes() -> set[str]:
    with connection.cursor() as cursor:
        return set(connection.introspection.get_constraints(cursor, "securities_securitiesaccount"))


@pytest.mark.django_db(transaction=True)
def test_the_index_is_dropped_and_built_again_by_migrating_back_and_forth():
    try:
        executor = MigrationExecutor(connection)
        executor.migrate([BEFORE])  # also unapplies every migration of other apps that depends on FORWARD
        assert "account_closed" not in _indexes()
        executor = MigrationExecutor(connection)
        executor.migrate([FORWARD])
        assert "account_closed" in _indexes()
    finally:
        # Every app back at its latest migration, not only securities: the tests after this one in the
        # process share the database (a migration depending on FORWARD would otherwise stay unapplied).
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())
