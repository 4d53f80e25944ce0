"""Every history table refuses UPDATE and DELETE in the database itself (PostgreSQL and SQLite), so a
history cannot be rewritten behind the services: corrections are new rows (csdp.lib.statemachine)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.apps import apps
from django.db import DatabaseError, connection, models, transaction

from csdp.lib.statemachine import TransitionRow

pytestmark = pytest.mark.django_db

HISTORY_TABLES = [
    "approvals.ApprovalTransition",
    "counter.Transition",
    "counter.Assignment",
    "fees.NoticeTransition",
    "greenshoe.FilingTransition",
    "ipo.OfferingTransition",
    "issuers.InfoChangeTransition",
    "issuers.RegistrationTransition",
    "keys.KeyApplicationTransition",
    "pledge.ModerationAction",
    "pledge.PostingTransition",
    "securities.SecurityTransition",
]
# history tables that record a state change have the one shape
TRANSITION_TABLES = [m for m in HISTORY_TABLES if m not in {"counter.Assignment", "pledge.ModerationAction"}]


CHOSEN = {("pledge.Posting", "side"): "lender"}  # a pledgor's posting must name its securities (a check)


def _value(field: models.Field, n: int):
    if isinstance(field, models.DateTimeField):
        return dt.datetime(2026, 3, 16, 15, 0, tzinfo=dt.UTC)
    if isinstance(field, models.DateField):
        return dt.date(2026, 1, 1) + dt.timedelta(days=n)  # later fields later (T before listing)
    if isinstance(field, (models.IntegerField, models.DecimalField)):
        return n
    if isinstance(field, models.BooleanField):
        return False
    if isinstance(field, models.JSONField):
        return {}
    if (field.model._meta.label, field.name) in CHOSEN:
        return CHOSEN[field.model._meta.label, field.name]
    if field.choices:
        return field.choices[0][0]
    return str(n).zfill(min(field.max_length or 10, 10))[-(field.max_length or 10) :]


_counter = iter(range(1, 10**6))


def _row(model) -> int:
    """One row written with raw SQL (nullable columns NULL, a fresh row for each required foreign
    key), so that no service or model rule gets in the way of the one thing tested."""
    fields = [f for f in model._meta.concrete_fields if not f.primary_key]
    values = []
    for f in fields:
        if f.null:
            values.append(None)
        elif f.is_relation:
            values.append(_row(f.related_model))
        else:
            values.append(f.get_db_prep_value(_value(f, next(_counter)), connection))
    columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    marks = ", ".join(["%s"] * len(fields))
    with connection.cursor() as cursor:
        cursor.execute(f"INSERT INTO {model._meta.db_table} ({columns}) VALUES ({marks})", values)
        cursor.execute(f"SELECT MAX(id) FROM {model._meta.db_table}")
        return cursor.fetchone()[0]


@pytest.mark.parametrize("label", HISTORY_TABLES)
def test_a_history_table_refuses_update_and_delete(label):
    model = apps.get_model(label)
    table = model._meta.db_table
    pk = _row(model)

    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(f"UPDATE {table} SET at = at WHERE id = %s", [pk])
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(f"DELETE FROM {table} WHERE id = %s", [pk])
    assert model._base_manager.filter(pk=pk).exists()


@pytest.mark.parametrize("label", TRANSITION_TABLES)
def test_every_transition_table_has_the_one_row_shape(label):
    model = apps.get_model(label)

    assert issubclass(model, TransitionRow)
    assert {"from_state", "to_state", "actor", "actor_kind", "reason", "at"} <= {f.name for f in model._meta.fields}
    assert model.machine is not None
