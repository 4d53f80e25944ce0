"""T EOD keeps only the orders the exchange's rules made invalid (docs/ipo.md, Storage at scale): the
valid ones are every other row of ipo_subscription, so the million-row copy is no longer written."""
from django.db import migrations, models
from django.db.models import Q


def drop_valid_rows(apps, schema_editor):
    apps.get_model("ipo", "SubscriptionOutcome").objects.filter(valid=True).delete()


class Migration(migrations.Migration):

    dependencies = [
        ("ipo", "0009_offering_stop"),
    ]

    operations = [
        migrations.RunPython(drop_valid_rows, migrations.RunPython.noop),
        migrations.RemoveIndex(model_name="subscriptionoutcome", name="ipo_subscri_offerin_a26ba5_idx"),
        migrations.RemoveField(model_name="subscriptionoutcome", name="account"),
        migrations.RemoveField(model_name="subscriptionoutcome", name="custody_unit"),
        migrations.RemoveField(model_name="subscriptionoutcome", name="quantity_shares"),
        migrations.RemoveField(model_name="subscriptionoutcome", name="valid"),
        migrations.AlterField(model_name="subscriptionoutcome", name="reason", field=models.CharField(max_length=12)),
        migrations.AddConstraint(
            model_name="subscriptionoutcome",
            constraint=models.CheckConstraint(condition=~Q(reason=""), name="outcome_invalid_has_reason"),
        ),
    ]
