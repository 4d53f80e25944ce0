"""Entitlements keep the account's custody unit at R and the account's number.

Why: the participants' files listed each lot under the account's custodian on 派息日 while the cash went
to its custodian at R (ParticipantPayment, from participant_id), so an account moved between the two
dates was in one participant's file and another's payment. The files now follow R's custodian. (The
index on the distribution goes: migration 0005 keys the table by (distribution, seq).)

They also keep the account's number (numbers never change), so the files read the entitlements alone:
at 10M holders the pay date joined every account once per group of participants.

Rows entitled before this migration get their account's number and custody unit as it is now — what
their files would have named — so a distribution entitled but not yet paid writes the same files as before.
"""

from django.db import migrations, models

# (An entitlement's account always exists — positions keep theirs — but a number is never NULL.)
FILL = [
    f"UPDATE dividend_entitlement SET {column} = COALESCE((SELECT a.{source} FROM securities_securitiesaccount a "
    f"WHERE a.id = dividend_entitlement.account_id), {otherwise})"
    for column, source, otherwise in (
        ("custody_unit_id", "custody_unit_id", "NULL"),
        ("account_number", "number", "''"),
    )
]


class Migration(migrations.Migration):
    dependencies = [
        ("dividend", "0003_heldcash_released_on_heldcash_released_to_and_more"),
        ("securities", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="entitlement",
            name="custody_unit_id",
            field=models.BigIntegerField(null=True),
        ),
        migrations.AddField(
            model_name="entitlement",
            name="account_number",
            field=models.CharField(default="", max_length=10),
        ),
        migrations.RunSQL(FILL, reverse_sql=migrations.RunSQL.noop),
        migrations.AlterField(
            model_name="entitlement",
            name="distribution_id",
            field=models.BigIntegerField(),
        ),
    ]
