"""The event log's account and security keep their meaning but lose their database foreign keys, the
positions take free space for in-place updates, and positions can no longer be deleted.

- Foreign keys: PostgreSQL checks a foreign key with one query per inserted row and key (deferred to
  the commit): 2 × 1.05M queries, about 25 s, for the bonus events of a million-holder 权益分派. The
  guarantee stays, set-based: every event's lot has a position (the writers fold each event into one in
  the same transaction), a position's own foreign keys hold its account and security, and the trigger
  below keeps positions from being deleted. The writers refuse an unknown account or security up front
  with a clear message; `register_check` reports orphan events.
- fillfactor 50 (PostgreSQL): a fold rewrites every lot of a security (a bonus, a release of lock-up);
  with room on the page PostgreSQL updates the row in place (HOT) without touching the position's five
  indexes (0.5 s instead of 4.0 s for 210k lots). Pages written from now on keep the room; an existing
  large table gets it with `VACUUM FULL register_position` in a quiet window.
- SQLite rebuilds the event table to drop the keys, which drops its triggers: re-created (as 0005).
"""

import importlib

import django.db.models.deletion
from django.db import migrations, models

events = importlib.import_module("csdp.register.migrations.0003_event_triggers")

POSTGRES_UP = [
    """CREATE OR REPLACE FUNCTION register_position_kept() RETURNS trigger LANGUAGE plpgsql AS $$
       BEGIN
         RAISE EXCEPTION 'register_position rows are never deleted: they hold the register events'' account and security'
           USING ERRCODE = '23000';
       END $$""",
    """CREATE TRIGGER register_position_kept BEFORE DELETE ON register_position
       FOR EACH ROW EXECUTE FUNCTION register_position_kept()""",
    "ALTER TABLE register_position SET (fillfactor = 50)",
]
POSTGRES_DOWN = [
    "ALTER TABLE register_position RESET (fillfactor)",
    "DROP TRIGGER IF EXISTS register_position_kept ON register_position",
    "DROP FUNCTION IF EXISTS register_position_kept()",
]
SQLITE_UP = [
    """CREATE TRIGGER register_position_kept BEFORE DELETE ON register_position
       BEGIN SELECT RAISE(ABORT, 'register_position rows are never deleted'); END""",
]
SQLITE_DOWN = ["DROP TRIGGER IF EXISTS register_position_kept"]


def _run(statements_by_vendor):
    def run(apps, schema_editor):
        for sql in statements_by_vendor.get(schema_editor.connection.vendor, ()):
            schema_editor.execute(sql, None)  # None: no placeholders

    return run


class Migration(migrations.Migration):
    dependencies = [
        ("register", "0014_event_day_brin"),
        ("securities", "0006_securitiesaccount_mobile"),
    ]

    operations = [
        migrations.AlterField(
            model_name="registrationevent",
            name="account",
            field=models.ForeignKey(
                db_constraint=False,
                db_index=False,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="registration_events",
                to="securities.securitiesaccount",
            ),
        ),
        migrations.AlterField(
            model_name="registrationevent",
            name="security",
            field=models.ForeignKey(
                db_constraint=False,
                db_index=False,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="registration_events",
                to="securities.security",
            ),
        ),
        migrations.RunPython(
            _run({"postgresql": POSTGRES_UP, "sqlite": events.SQLITE_DOWN + events.SQLITE_UP + SQLITE_UP}),
            _run({"postgresql": POSTGRES_DOWN, "sqlite": SQLITE_DOWN + events.SQLITE_DOWN + events.SQLITE_UP}),
        ),
    ]
