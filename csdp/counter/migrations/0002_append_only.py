"""Transitions and assignments of counter applications are append-only in the database too: UPDATE
and DELETE are refused, so an application's history cannot be rewritten behind the services."""
from django.db import migrations

TABLES = ("counter_transition", "counter_assignment")

POSTGRES_UP = [
    """CREATE OR REPLACE FUNCTION counter_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
       BEGIN
         RAISE EXCEPTION '% is append-only: % refused', TG_TABLE_NAME, TG_OP USING ERRCODE = '23000';
       END $$""",
] + [
    f"""CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table}
        FOR EACH ROW EXECUTE FUNCTION counter_append_only()"""
    for table in TABLES
]
POSTGRES_DOWN = [f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}" for table in TABLES] + [
    "DROP FUNCTION IF EXISTS counter_append_only()"
]
SQLITE_UP = [
    f"""CREATE TRIGGER {table}_no_{op.lower()} BEFORE {op} ON {table}
        BEGIN SELECT RAISE(ABORT, '{table} is append-only: {op} refused'); END"""
    for table in TABLES
    for op in ("UPDATE", "DELETE")
]
SQLITE_DOWN = [f"DROP TRIGGER IF EXISTS {table}_no_{op}" for table in TABLES for op in ("update", "delete")]


def _run(statements_by_vendor):
    def run(apps, schema_editor):
        for sql in statements_by_vendor.get(schema_editor.connection.vendor, ()):
            schema_editor.execute(sql, None)  # None: no placeholders, "%" is plpgsql

    return run


class Migration(migrations.Migration):
    dependencies = [("counter", "0001_initial")]
    operations = [
        migrations.RunPython(
            _run({"postgresql": POSTGRES_UP, "sqlite": SQLITE_UP}),
            _run({"postgresql": POSTGRES_DOWN, "sqlite": SQLITE_DOWN}),
        )
    ]
