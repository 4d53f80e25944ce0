"""The one transition-row shape (csdp.lib.statemachine.TransitionRow): the columns renamed first."""
from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("pledge", "0003_board_listing")]
    operations = [
        migrations.RenameField("postingtransition", "by", "actor_kind"),
    ]
