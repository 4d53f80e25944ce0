"""委托代派 in two steps: a funding is declared (no money moves) and confirmed by a different staff user
(the ledger transfer). Fundings recorded before this migration had moved their money: they are confirmed."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models
from django.db.models import F

from csdp.lib.statemachine import append_only


def confirm_earlier_fundings(apps, schema_editor):
    Funding = apps.get_model("dividend", "Funding")
    Transfer = apps.get_model("ledger", "Transfer")
    for funding in Funding.objects.filter(transfer__isnull=False):
        funding.status = "confirmed"
        funding.confirmed_at = funding.declared_at
        funding.value_date = Transfer.objects.get(pk=funding.transfer_id).business_date
        funding.save(update_fields=["status", "confirmed_at", "value_date"])


class Migration(migrations.Migration):
    dependencies = [
        ("dividend", "0006_accrued_bonus"),
        ("ledger", "0001_initial"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RenameField(model_name="funding", old_name="recorded_by", new_name="declared_by"),
        migrations.RenameField(model_name="funding", old_name="recorded_at", new_name="declared_at"),
        migrations.AlterField(
            model_name="funding", name="declared_at", field=models.DateTimeField(verbose_name="登记时间")
        ),
        migrations.AddField(
            model_name="funding",
            name="status",
            field=models.CharField(
                choices=[
                    ("declared", "待确认"),
                    ("confirmed", "已到账"),
                    ("rejected", "已驳回"),
                    ("lapsed", "逾期未确认"),
                ],
                default="declared",
                max_length=10,
                verbose_name="状态",
            ),
        ),
        migrations.AddField(
            model_name="funding",
            name="confirmed_by",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
            ),
        ),
        migrations.AddField(
            model_name="funding",
            name="confirmed_at",
            field=models.DateTimeField(blank=True, null=True, verbose_name="确认时间"),
        ),
        migrations.AddField(
            model_name="funding",
            name="value_date",
            field=models.DateField(blank=True, null=True, verbose_name="到账日期"),
        ),
        migrations.AlterField(
            model_name="funding",
            name="transfer",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="ledger.transfer",
            ),
        ),
        migrations.RunPython(confirm_earlier_fundings, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name="funding",
            constraint=models.CheckConstraint(
                condition=models.Q(("status", "confirmed"), ("transfer__isnull", False), ("value_date__isnull", False))
                | models.Q(models.Q(("status", "confirmed"), _negated=True), ("transfer__isnull", True)),
                name="dividend_funding_posted_iff_confirmed",
            ),
        ),
        migrations.AddConstraint(
            model_name="funding",
            constraint=models.CheckConstraint(
                condition=models.Q(("confirmed_by", F("declared_by")), _negated=True),
                name="dividend_funding_four_eyes",
            ),
        ),
        migrations.CreateModel(
            name="FundingTransition",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("from_state", models.CharField(blank=True, max_length=30, verbose_name="原状态")),
                ("to_state", models.CharField(max_length=30, verbose_name="新状态")),
                ("actor_kind", models.CharField(default="staff", max_length=10, verbose_name="操作方")),
                ("reason", models.TextField(blank=True, verbose_name="说明")),
                ("at", models.DateTimeField(verbose_name="时间")),
                (
                    "actor",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "funding",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="transitions",
                        to="dividend.funding",
                    ),
                ),
            ],
            options={"ordering": ["id"], "abstract": False},
        ),
        append_only("dividend_fundingtransition"),
    ]
