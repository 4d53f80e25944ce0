"""SQLite rebuilds a table to alter its columns (the previous migration), and the rebuild drops the
table's triggers. Re-create them; PostgreSQL keeps its triggers across ALTER TABLE."""
import importlib

from django.db import migrations

triggers = importlib.import_module("csdp.ledger.migrations.0002_transfer_triggers")


def _sqlite(statements):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "sqlite":
            for sql in statements:
                schema_editor.execute(sql, None)

    return run


class Migration(migrations.Migration):
    dependencies = [("ledger", "0003_lean_indexes")]
    operations = [
        migrations.RunPython(_sqlite(triggers.SQLITE_DOWN + triggers.SQLITE_UP), _sqlite([])),
    ]
