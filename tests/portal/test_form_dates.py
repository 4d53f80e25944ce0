"""Every form shows a stored date or time again in the spelling its HTML input accepts, and takes the
same value back unchanged (issue 19 §1: ``2020/01/01`` in ``<input type=date>`` is dropped by the browser)."""

from __future__ import annotations

import datetime as dt
import importlib
import pkgutil
import re

import pytest
from django import forms
from django.utils import timezone

import csdp

STORED_DATE = dt.date(2020, 1, 1)
STORED_DATETIME = dt.datetime(2026, 3, 16, 15, 30)


def _import_everything_with_forms() -> None:
    for info in pkgutil.walk_packages(csdp.__path__, "csdp."):
        name = info.name
        if any(part in name for part in (".migrations", ".management", ".settings", "wsgi")):
            continue
        if "form" in name or name.endswith((".types", ".views")) or ".types." in name:
            importlib.import_module(name)


def _all_form_classes() -> list[type[forms.BaseForm]]:
    _import_everything_with_forms()
    seen, todo = [], [forms.BaseForm]
    while todo:
        cls = todo.pop()
        for sub in cls.__subclasses__():
            todo.append(sub)
            if sub.__module__.startswith("csdp.") and hasattr(sub, "base_fields"):
                seen.append(sub)
    return seen


def _date_fields():
    out = []
    for form_class in _all_form_classes():
        for name, field in form_class.base_fields.items():
            if isinstance(field, (forms.DateField, forms.DateTimeField)):
                out.append(
                    pytest.param(form_class, name, field, id=f"{form_class.__module__}.{form_class.__name__}.{name}")
                )
    return out


def _rendered_value(field: forms.Field, name: str, value) -> str:
    html = field.widget.render(name, field.prepare_value(value))
    found = re.search(r'value="([^"]*)"', html)
    assert found, html
    return found.group(1)


def test_the_walk_finds_the_date_fields_of_many_forms():
    forms_with_dates = {p.values[0] for p in _date_fields()}
    assert len(forms_with_dates) >= 10


@pytest.mark.parametrize(("form_class", "name", "field"), _date_fields())
def test_a_stored_value_is_rendered_in_iso_and_taken_back_unchanged(form_class, name, field):
    if isinstance(field, forms.DateTimeField):
        stored = timezone.make_aware(STORED_DATETIME)
        shown = _rendered_value(field, name, stored)
        if field.widget.input_type == "datetime-local":
            assert shown == "2026-03-16T15:30"
        assert field.clean(shown) == stored
    else:
        shown = _rendered_value(field, name, STORED_DATE)
        assert shown == "2020-01-01"
        assert field.clean(shown) == STORED_DATE


def test_a_date_typed_the_chinese_way_is_still_accepted():
    assert forms.DateField().clean("2020/01/01") == STORED_DATE
    assert forms.DateField().clean("2020年1月1日") == STORED_DATE
