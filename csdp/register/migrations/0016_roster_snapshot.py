"""持有人名册 snapshots (csdp.register.roster_snapshot). On PostgreSQL also an index of the lots in the
list's order (account numbers byte-wise, COLLATE "C"): a changed lot finds its place among the snapshot's
with one probe. SQLite has no "C" collation and needs no such speed (its registers are small)."""

import django.db.models.deletion
from django.db import migrations, models

ORDER_UP = (
    "CREATE INDEX roster_snapshot_lot_order ON register_rostersnapshotlot "
    '(snapshot_id, (-held), number COLLATE "C", share_nature, lockup_key)'
)
ORDER_DOWN = "DROP INDEX IF EXISTS roster_snapshot_lot_order"


def _postgresql(sql):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(sql)

    return run


class Migration(migrations.Migration):
    dependencies = [
        ("register", "0015_event_log_without_fk_checks"),
        ("securities", "0007_investor_updated_at"),
    ]

    operations = [
        migrations.CreateModel(
            name="RosterSnapshot",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("as_of", models.DateField(verbose_name="名册日期")),
                ("watermark", models.BigIntegerField(verbose_name="已计入的最大登记变动记录号")),
                ("lineage", models.CharField(max_length=200, verbose_name="计入的证券")),
                ("names_at", models.DateTimeField(verbose_name="名称读取时间")),
                ("holders", models.BigIntegerField(verbose_name="持有人数")),
                ("lots", models.BigIntegerField(verbose_name="持有明细数")),
                ("total_quantity", models.BigIntegerField(verbose_name="持有合计（股）")),
                ("issued_capital", models.BigIntegerField(verbose_name="登记股本（股）")),
                ("seconds", models.FloatField(default=0)),
                ("created_at", models.DateTimeField(auto_now_add=True)),
                (
                    "security",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT, related_name="+", to="securities.security"
                    ),
                ),
            ],
            options={
                "verbose_name": "持有人名册快照",
                "ordering": ["security_id", "-as_of"],
            },
        ),
        migrations.CreateModel(
            name="RosterSnapshotLot",
            fields=[
                (
                    "pk",
                    models.CompositePrimaryKey(
                        "snapshot_id", "ordinal", blank=True, editable=False, primary_key=True, serialize=False
                    ),
                ),
                ("ordinal", models.BigIntegerField()),
                ("account_id", models.BigIntegerField()),
                ("held", models.BigIntegerField()),
                ("first", models.BooleanField()),
                ("number", models.CharField(max_length=10)),
                ("name", models.CharField(max_length=200)),
                ("id_type", models.CharField(max_length=12)),
                ("id_number", models.CharField(max_length=30)),
                ("share_nature", models.CharField(max_length=2)),
                ("lockup_key", models.DateField()),
                ("quantity", models.BigIntegerField()),
                ("frozen", models.BigIntegerField()),
                ("pledged", models.BigIntegerField()),
                ("line", models.TextField(blank=True)),
                (
                    "snapshot",
                    models.ForeignKey(
                        db_constraint=False,
                        db_index=False,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to="register.rostersnapshot",
                    ),
                ),
            ],
        ),
        migrations.AddConstraint(
            model_name="rostersnapshot",
            constraint=models.UniqueConstraint(fields=("security", "as_of"), name="roster_snapshot_once"),
        ),
        migrations.AddIndex(
            model_name="rostersnapshotlot",
            index=models.Index(fields=["snapshot", "account_id"], name="roster_snapshot_lot_account"),
        ),
        migrations.RunPython(_postgresql(ORDER_UP), _postgresql(ORDER_DOWN)),
    ]
