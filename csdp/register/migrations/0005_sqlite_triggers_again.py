"""SQLite rebuilds a table to alter its columns (the previous migration), and the rebuild drops the
table's triggers. Re-create them; PostgreSQL keeps its triggers across ALTER TABLE."""
import importlib

from django.db import migrations

triggers = importlib.import_module("csdp.register.migrations.0003_event_triggers")


def _sqlite(statements):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "sqlite":
            for sql in statements:
                schema_editor.execute(sql, None)

    return run


class Migration(migrations.Migration):
    dependencies = [("register", "0004_lean_indexes")]
    operations = [
        migrations.RunPython(_sqlite(triggers.SQLITE_DOWN + triggers.SQLITE_UP), _sqlite([])),
    ]
