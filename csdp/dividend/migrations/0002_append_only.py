from django.db import migrations

from csdp.lib.statemachine import append_only


class Migration(migrations.Migration):
    dependencies = [("dividend", "0001_initial")]
    operations = [append_only("dividend_distributiontransition")]
