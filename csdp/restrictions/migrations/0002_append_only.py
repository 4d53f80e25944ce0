from django.db import migrations

from csdp.lib.statemachine import append_only


class Migration(migrations.Migration):
    dependencies = [("restrictions", "0001_initial")]

    operations = [append_only("restrictions_pledgetransition", "restrictions_releasetransition",
                              "restrictions_freezetransition")]
