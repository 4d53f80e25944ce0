"""Investor.updated_at: when the name or ID last changed, so a 持有人名册 snapshot re-reads only the
names changed after it (csdp.register.roster_snapshot)."""

import django.db.models.functions.datetime
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("securities", "0006_securitiesaccount_mobile"),
    ]

    operations = [
        migrations.AddField(
            model_name="investor",
            name="updated_at",
            field=models.DateTimeField(
                auto_now=True, db_default=django.db.models.functions.datetime.Now(), db_index=True
            ),
        ),
        # Existing investors: their last change is not known, but no 持有人名册 snapshot predates this
        # column, so any time before the first snapshot is right; their creation time is the honest one.
        migrations.RunSQL("UPDATE securities_investor SET updated_at = created_at", migrations.RunSQL.noop),
    ]
