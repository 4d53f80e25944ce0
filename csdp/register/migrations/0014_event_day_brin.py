"""A BRIN index on the events' business date (PostgreSQL only): the log is appended day after day, so
its physical order follows the business date and a block-range index of a few pages lets the as-of
持有人名册 read only the events on one side of its day (csdp.register.roster). Nothing to maintain on
the end of day's COPY worth measuring, unlike the (security, business_date) btree dropped in 0006.
SQLite has no BRIN; its registers are small and read whole."""

from django.db import migrations

UP = "CREATE INDEX IF NOT EXISTS register_event_day_brin ON register_registrationevent USING brin (business_date)"
DOWN = "DROP INDEX IF EXISTS register_event_day_brin"


def _postgresql(sql):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(sql)

    return run


class Migration(migrations.Migration):
    dependencies = [("register", "0013_merge_0010_bonus_event_0012_merge_20261206_0431")]
    operations = [migrations.RunPython(_postgresql(UP), _postgresql(DOWN))]
