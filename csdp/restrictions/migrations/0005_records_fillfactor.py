"""Free space on the freeze and pledge records' pages (PostgreSQL), so that the updates they take in
bulk — a 权益分派's list date grows ``accrued_shares`` of every pledge and freeze of the security
(csdp.dividend.accrual) — are made in place (HOT), without new entries in the pledges' 14 indexes and
the freezes' 6: none of the columns so updated is indexed. 1M holders' simulation, 15k pledges of a
part updated: 314–376 ms at fillfactor 100, 176–215 ms at 80 (docs/performance.md, fifteenth session).
Pages written from now on keep the room; existing tables get it with `VACUUM FULL restrictions_pledge`
(and `restrictions_freeze`) in a quiet window (docs/operations.md). SQLite has no fillfactor."""

from django.db import migrations

TABLES = ("restrictions_pledge", "restrictions_freeze")


def _fillfactor(value: str):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return
        for table in TABLES:
            schema_editor.execute(f"ALTER TABLE {table} SET ({value})", None)

    return run


class Migration(migrations.Migration):
    dependencies = [("restrictions", "0004_accrued_bonus")]

    operations = [migrations.RunPython(_fillfactor("fillfactor = 80"), _fillfactor("fillfactor = 100"))]
