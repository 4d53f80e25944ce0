"""Bank references of fundings in their one spelling (csdp.dividend.funding.bank_reference_normal: NFKC,
trimmed, upper case), and the database's check that they stay so: the unique column is then the
idempotency by bank reference, whatever case or width the issuer typed.

Existing rows are rewritten in their normal spelling. Two rows that were accepted as different references
and now read the same (``icbc001`` beside ``ICBC001``: one payment declared twice) both stay — money may
have moved for each, and which one stands is staff's decision — one keeps the reference (the one already
spelt so, else the first by id) and the others are marked ``<reference>#<id>``, visible on the
distribution's page, so that the unique column holds. The
spelling each was declared with stays in its audit event (``dividend.fund_declare``).
"""

import unicodedata

import django.db.models.functions.text
from django.db import migrations, models


def _normal(text):  # funding.bank_reference_normal, frozen here as the migration applied it
    return unicodedata.normalize("NFKC", text or "").strip().upper()


def renames(rows):
    """{id: new reference} for the rows (id, reference) not yet in their one spelling."""
    groups = {}
    for pk, reference in rows:
        groups.setdefault(_normal(reference), []).append((pk, reference))
    taken = set(groups) | {reference for _, reference in rows}
    out = {}
    for normal, members in groups.items():
        # the row already spelt normally keeps the reference (no write can meet it), else the first
        keeper = next((m for m in members if m[1] == normal), members[0]) if normal else None
        for pk, reference in members:
            target = normal
            if (pk, reference) != keeper:
                n, target = 0, ""
                while not target or target in taken:
                    suffix = f"#{pk}" + (f"-{n}" if n else "")
                    target, n = (normal[: 40 - len(suffix)] or "-") + suffix, n + 1
                taken.add(target)
            if target != reference:
                out[pk] = target
    return out


def normalise(apps, schema_editor):
    Funding = apps.get_model("dividend", "Funding")
    for pk, reference in renames(list(Funding.objects.order_by("pk").values_list("pk", "bank_reference"))).items():
        Funding.objects.filter(pk=pk).update(bank_reference=reference)


class Migration(migrations.Migration):
    dependencies = [
        ("dividend", "0009_accrual_account_index"),
    ]

    operations = [
        migrations.RunPython(normalise, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name="funding",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    ("bank_reference", django.db.models.functions.text.Upper(django.db.models.functions.text.Trim("bank_reference"))),
                    models.Q(("bank_reference", ""), _negated=True),
                ),
                name="dividend_funding_reference_normal",
            ),
        ),
    ]
