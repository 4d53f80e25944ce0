"""The registration log is append-only: the database refuses UPDATE and DELETE of events, so a
position can always be rebuilt from the log (register_rebuild_check). Corrections are new events."""
from django.db import migrations

POSTGRES_UP = [
    """CREATE OR REPLACE FUNCTION register_event_immutable() RETURNS trigger LANGUAGE plpgsql AS $$
       BEGIN
         RAISE EXCEPTION 'register_registrationevent is append-only: % refused', TG_OP USING ERRCODE = '23000';
       END $$""",
    """CREATE TRIGGER register_event_immutable BEFORE UPDATE OR DELETE ON register_registrationevent
       FOR EACH ROW EXECUTE FUNCTION register_event_immutable()""",
]
POSTGRES_DOWN = [
    "DROP TRIGGER IF EXISTS register_event_immutable ON register_registrationevent",
    "DROP FUNCTION IF EXISTS register_event_immutable()",
]
SQLITE_UP = [
    """CREATE TRIGGER register_event_no_update BEFORE UPDATE ON register_registrationevent
       BEGIN SELECT RAISE(ABORT, 'register_registrationevent is append-only: UPDATE refused'); END""",
    """CREATE TRIGGER register_event_no_delete BEFORE DELETE ON register_registrationevent
       BEGIN SELECT RAISE(ABORT, 'register_registrationevent is append-only: DELETE refused'); END""",
]
SQLITE_DOWN = ["DROP TRIGGER IF EXISTS register_event_no_update", "DROP TRIGGER IF EXISTS register_event_no_delete"]


def _run(statements_by_vendor):
    def run(apps, schema_editor):
        for sql in statements_by_vendor.get(schema_editor.connection.vendor, ()):
            schema_editor.execute(sql, None)  # None: no placeholders, "%" is plpgsql

    return run


class Migration(migrations.Migration):
    dependencies = [("register", "0002_initial")]
    operations = [
        migrations.RunPython(
            _run({"postgresql": POSTGRES_UP, "sqlite": SQLITE_UP}),
            _run({"postgresql": POSTGRES_DOWN, "sqlite": SQLITE_DOWN}),
        )
    ]
