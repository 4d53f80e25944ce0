import datetime as dt

from django.db import migrations


def load(apps, schema_editor):
    from csdp.clock.holidays import HOLIDAYS

    ClosedDay = apps.get_model("clock", "ClosedDay")
    rows = [
        ClosedDay(date=dt.date.fromisoformat(day), reason=name)
        for name, days in HOLIDAYS.items()
        for day in days
    ]
    ClosedDay.objects.bulk_create(rows, ignore_conflicts=True)


def unload(apps, schema_editor):
    apps.get_model("clock", "ClosedDay").objects.filter(created_by__isnull=True).delete()


class Migration(migrations.Migration):
    dependencies = [("clock", "0001_initial")]
    operations = [migrations.RunPython(load, unload)]
