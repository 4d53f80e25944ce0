"""The demo world (`csdp demo`): every app's seeder together. Seeding twice changes nothing, the
demo logins work for every role, and whatever the seeders audited forms an intact chain."""

from __future__ import annotations

import io

import pytest
from django.apps import apps
from django.contrib.auth import authenticate
from django.core.management import call_command

from csdp.accounts.models import User
from csdp.audit.services import audit_verify
from csdp.accounts.demo import DEMO_PASSWORD, DEMO_USERS, demo_seed

pytestmark = pytest.mark.django_db


def _row_counts() -> dict[str, int]:
    return {
        model._meta.label: model._default_manager.count()
        for model in apps.get_models()
        if model._meta.managed and not model._meta.proxy
    }


def test_seeding_twice_changes_no_table():
    demo_seed()
    first = _row_counts()
    demo_seed()

    second = _row_counts()
    assert {label: (first[label], second[label]) for label in first if first[label] != second[label]} == {}


def test_every_demo_user_exists_with_its_role_and_the_demo_password():
    demo_seed()

    for spec in DEMO_USERS:
        user = User.objects.get(username=spec.username)
        assert user.role.label == spec.role_label, spec.username
        assert user.display_name == spec.display_name
        assert authenticate(username=spec.username, password=DEMO_PASSWORD) == user


def test_the_seeders_leave_an_intact_audit_chain():
    demo_seed()

    result = audit_verify()
    assert result.ok, result.problem


def test_the_demo_command_prints_a_login_for_every_role():
    out = io.StringIO()
    call_command("demo", stdout=out)

    text = out.getvalue()
    assert "演示数据已就绪" in text
    assert all(f"{spec.username} " in text for spec in DEMO_USERS)


def test_the_demo_has_a_suspended_offering_whose_money_was_unfrozen_at_t1_eod():
    from csdp.ipo.models import EodStep, Offering, OfferingStatus, ParticipantFile

    demo_seed()
    offering = Offering.objects.get(code="920166")
    assert (offering.status, offering.stop.stage) == (OfferingStatus.SUSPENDED, "5.2")
    assert offering.step_runs.filter(step=EodStep.STOP_UNFREEZE).exists()
    assert ParticipantFile.objects.filter(offering=offering, file_type="JDSJ").exists()
    assert all(o.frozen_fen == o.unfrozen_fen and o.deducted_fen == 0 for o in offering.obligations.all())
