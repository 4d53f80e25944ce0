"""The one transition-row shape (csdp.lib.statemachine.TransitionRow): the columns renamed first."""
from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("ipo", "0012_settlement_result_derivable_columns_dropped")]
    operations = [
        migrations.RenameField("offeringtransition", "from_status", "from_state"),
        migrations.RenameField("offeringtransition", "to_status", "to_state"),
    ]
