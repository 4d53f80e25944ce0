"""The three bulk tables are keyed by (offering, seq) instead of a surrogate id, and on PostgreSQL
ipo_subscription and ipo_settlementresult are partitioned by offering (docs/ipo.md, Storage at scale).

Why: loading a million orders into a table that keeps an id sequence and two indexes up to date row
by row cost twice the COPY itself; a partition loaded with no index and given its primary key by one
sort costs a fraction of it (docs/performance.md). Django cannot turn an id into a composite primary
key in place, so the state changes as makemigrations writes them and the tables are rebuilt here,
their rows kept.
"""
from django.db import migrations, models

PARTITIONED = {"subscription": True, "subscriptionoutcome": False, "settlementresult": True}


def _drop_keys(schema_editor, table: str) -> None:
    """The old table's primary key and unique constraints: their index names are schema-wide on
    PostgreSQL and the new table's primary key would collide with them."""
    with schema_editor.connection.cursor() as cursor:
        cursor.execute("SELECT conname FROM pg_constraint WHERE conrelid = %s::regclass AND contype IN ('p', 'u')",
                       [table])
        names = [row[0] for row in cursor.fetchall()]
    for name in names:
        schema_editor.execute(f'ALTER TABLE "{table}" DROP CONSTRAINT "{name}"')


def _create_partitioned(schema_editor, model, old: str) -> None:
    table = model._meta.db_table
    sql, params = schema_editor.table_sql(model)
    schema_editor.execute(f"{sql} PARTITION BY LIST (\"offering_id\")", params or None)
    schema_editor.execute(f'CREATE TABLE "{table}_default" PARTITION OF "{table}" DEFAULT')
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(f'SELECT DISTINCT offering_id FROM "{old}" ORDER BY offering_id')
        offerings = [row[0] for row in cursor.fetchall()]
    for offering_id in offerings:  # the naming csdp.lib.bulk.partition_replace uses
        schema_editor.execute(f'CREATE TABLE "{table}_offering_id_{int(offering_id)}" PARTITION OF "{table}" '
                              f"FOR VALUES IN ({int(offering_id)})")


def rebuild(apps, schema_editor):
    postgres = schema_editor.connection.vendor == "postgresql"
    for name, partitioned in PARTITIONED.items():
        model = apps.get_model("ipo", name)
        table = model._meta.db_table
        old = f"{table}_pre0011"
        schema_editor.execute(f'ALTER TABLE "{table}" RENAME TO "{old}"')
        if postgres:
            _drop_keys(schema_editor, old)
        if postgres and partitioned:
            _create_partitioned(schema_editor, model, old)
        else:
            schema_editor.create_model(model)
        columns = ", ".join(f'"{f.column}"' for f in model._meta.local_concrete_fields)
        schema_editor.execute(f'INSERT INTO "{table}" ({columns}) SELECT {columns} FROM "{old}" '
                              f"ORDER BY offering_id, seq")
        schema_editor.execute(f'DROP TABLE "{old}"')


def _composite(model_name: str) -> list:
    return [
        migrations.RemoveField(model_name=model_name, name="id"),
        migrations.AddField(
            model_name=model_name, name="pk",
            field=models.CompositePrimaryKey("offering_id", "seq", blank=True, editable=False, primary_key=True,
                                             serialize=False),
        ),
    ]


class Migration(migrations.Migration):

    dependencies = [
        ("ipo", "0010_sparse_subscription_outcome"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.RemoveConstraint(model_name="settlementresult", name="settlement_offering_seq"),
                migrations.RemoveConstraint(model_name="subscription", name="subscription_offering_seq"),
                migrations.RemoveConstraint(model_name="subscriptionoutcome", name="outcome_offering_seq"),
                *_composite("settlementresult"),
                *_composite("subscription"),
                *_composite("subscriptionoutcome"),
            ],
        ),
        migrations.RunPython(rebuild, elidable=False),
    ]
