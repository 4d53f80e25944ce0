"""The one transition-row shape (csdp.lib.statemachine.TransitionRow): the columns renamed first."""
from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("securities", "0002_security_transitions")]
    operations = [
        migrations.RenameField("securitytransition", "from_status", "from_state"),
        migrations.RenameField("securitytransition", "to_status", "to_state"),
    ]
