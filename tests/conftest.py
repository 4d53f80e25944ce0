"""The fixed cast every test can use (../shared/style.md habit 9):
issuer A, issuer B, a lead underwriter, a clearing participant, a pledge-board user,
and depository staff: a reviewer, an operator, an administrator."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from django.test import Client

from csdp.accounts.models import Institution, User
from csdp.accounts.roles import InstitutionKind, StaffRole
from tests.cli import cli_database_template, cli_env  # noqa: F401  (the real `csdp` in a child process)
from tests.dbstate import (  # noqa: F401  (autouse fixtures and the collection hook)
    caches_cleared,
    clock_caches_cleared,
    pytest_collection_modifyitems,
    transactional_baseline,
)

PASSWORD = "Test-Pass-2026!"


@dataclass
class Cast:
    issuer_a: User
    issuer_b: User
    underwriter: User
    participant: User
    pledge_user: User
    reviewer: User
    operator: User
    admin: User

    def all(self) -> dict[str, User]:
        return dict(self.__dict__)


def _member(username: str, kind: str, name: str, code: str) -> User:
    institution = Institution.objects.create(kind=kind, name=name, code=code)
    user = User(
        username=username,
        institution=institution,
        display_name=username,
        mobile="13900000000",
        email=f"{username}@example.test",
    )
    user.set_password(PASSWORD)
    user.save()
    return user


def _staff(username: str, role: str) -> User:
    user = User(username=username, staff_role=role, display_name=username, email=f"{username}@example.test")
    user.set_password(PASSWORD)
    user.save()
    return user


@pytest.fixture
def cast(db) -> Cast:
    return Cast(
        issuer_a=_member("issuer_a", InstitutionKind.ISSUER, "甲发行人股份有限公司", "920001"),
        issuer_b=_member("issuer_b", InstitutionKind.ISSUER, "乙发行人股份有限公司", "920002"),
        underwriter=_member("underwriter", InstitutionKind.UNDERWRITER, "丙证券股份有限公司", "UW01"),
        participant=_member("participant", InstitutionKind.PARTICIPANT, "丁证券股份有限公司", "P001"),
        pledge_user=_member("pledge_user", InstitutionKind.PLEDGE_USER, "戊投资者", "PL01"),
        reviewer=_staff("reviewer", StaffRole.REVIEWER),
        operator=_staff("operator", StaffRole.OPERATOR),
        admin=_staff("admin", StaffRole.ADMIN),
    )


@pytest.fixture
def client_for(db):
    """client_for(user) → a Client logged in as that user with a full-scope session."""

    def make(user: User | None) -> Client:
        client = Client()
        if user is not None:
            client.force_login(user)
            session = client.session
            session["login_scope"] = "full"
            session.save()
        return client

    return make
