"""The one transition-row shape (csdp.lib.statemachine.TransitionRow): the columns renamed first."""
from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("greenshoe", "0003_filing_row_custody_unit")]
    operations = [
        migrations.RenameField("filingtransition", "from_status", "from_state"),
        migrations.RenameField("filingtransition", "to_status", "to_state"),
    ]
