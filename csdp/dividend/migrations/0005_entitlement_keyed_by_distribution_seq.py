"""Entitlements are keyed by (distribution, seq) instead of a surrogate id, and on PostgreSQL the table is
partitioned by distribution (docs/dividend.md, Storage).

Why: R's end of day COPYs a million rows into a table that kept an id sequence, its primary key and the
distribution's index up to date row by row — 2.5–3.5 s at 1M holders against 1.1–1.6 s for a
plain COPY of the same rows. A distribution's rows are now one partition loaded with no index, given its
primary key by one sort and attached (csdp.lib.bulk.partition_replace, as the IPO's ipo_subscription: migration ipo
0011). Django cannot turn an id into a composite primary key in place, so the state changes as
makemigrations writes them and the table is rebuilt here, its rows kept (seq: their order by id within
their distribution, which is the order R wrote them in).
"""

from django.db import migrations, models

TABLE = "dividend_entitlement"
OLD_INDEX = "entitlement_participant"  # a development build of 0004 had it


def _drop_keys(schema_editor, table: str) -> None:
    """The old table's primary key: its name is schema-wide on PostgreSQL."""
    with schema_editor.connection.cursor() as cursor:
        cursor.execute("SELECT conname FROM pg_constraint WHERE conrelid = %s::regclass AND contype = 'p'", [table])
        for (name,) in cursor.fetchall():
            schema_editor.execute(f'ALTER TABLE "{table}" DROP CONSTRAINT "{name}"')
    schema_editor.execute(f'DROP INDEX IF EXISTS "{OLD_INDEX}"')


def rebuild(apps, schema_editor):
    model = apps.get_model("dividend", "entitlement")
    old = f"{TABLE}_pre0005"
    schema_editor.execute(f'ALTER TABLE "{TABLE}" RENAME TO "{old}"')
    if schema_editor.connection.vendor == "postgresql":
        _drop_keys(schema_editor, old)
        sql, params = schema_editor.table_sql(model)
        schema_editor.execute(f'{sql} PARTITION BY LIST ("distribution_id")', params or None)
        schema_editor.execute(f'CREATE TABLE "{TABLE}_default" PARTITION OF "{TABLE}" DEFAULT')
        with schema_editor.connection.cursor() as cursor:
            cursor.execute(f'SELECT DISTINCT distribution_id FROM "{old}" ORDER BY distribution_id')
            distributions = [row[0] for row in cursor.fetchall()]
        for distribution_id in distributions:  # the naming csdp.lib.bulk.partition_replace uses
            schema_editor.execute(
                f'CREATE TABLE "{TABLE}_distribution_id_{int(distribution_id)}" PARTITION OF "{TABLE}" '
                f"FOR VALUES IN ({int(distribution_id)})"
            )
    else:
        schema_editor.execute(f'DROP INDEX IF EXISTS "{OLD_INDEX}"')
        schema_editor.create_model(model)
    columns = [f.column for f in model._meta.local_concrete_fields if f.column != "seq"]
    listed = ", ".join(f'"{c}"' for c in columns)
    schema_editor.execute(
        f'INSERT INTO "{TABLE}" ({listed}, "seq") SELECT {listed}, '
        f'ROW_NUMBER() OVER (PARTITION BY "distribution_id" ORDER BY "id") - 1 FROM "{old}"'
    )
    schema_editor.execute(f'DROP TABLE "{old}"')


class Migration(migrations.Migration):
    dependencies = [
        ("dividend", "0004_entitlement_custody_at_record_date"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.RemoveField(model_name="entitlement", name="id"),
                migrations.AddField(
                    model_name="entitlement",
                    name="pk",
                    field=models.CompositePrimaryKey(
                        "distribution_id", "seq", blank=True, editable=False, primary_key=True, serialize=False
                    ),
                ),
                migrations.AddField(
                    model_name="entitlement",
                    name="seq",
                    field=models.BigIntegerField(default=None),
                    preserve_default=False,
                ),
            ],
        ),
        migrations.RunPython(rebuild, elidable=False),
    ]
