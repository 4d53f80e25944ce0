"""Fixtures of the issuers tests: valid form data, a walker for the registration wizard, issuers
with profiles and codes, and a signer for the two-step signed pages."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from csdp.clock.services import at_local, clock_set
from csdp.issuers.choices import registration_materials
from csdp.issuers.forms.fields import make_org_code
from csdp.issuers.models import InstitutionInfoVersion, IssuerProfile, IssuerSecurity, Registration
from csdp.lib.ids import make_resident_id, make_uscc
from tests.uploads.makers import pdf_bytes

TODAY = dt.date(2026, 3, 2)  # a Monday
USCC = make_uscc("91110108MA01ABCD1")
ORG_CODE = make_org_code("12345678")
AGENT_ID = make_resident_id("11010519900307123")
PASSWORD = "Reg-Pass-2026!"


def pdf(name: str = "scan.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, pdf_bytes(), content_type="application/pdf")


@pytest.fixture(autouse=True)
def business_day(db, settings, tmp_path):
    """Every test runs on a fixed business day with a fresh upload directory and an empty cache
    (the cache holds rate-limit counters, which are not rolled back with the database)."""
    from django.core.cache import cache

    cache.clear()
    settings.CSDP_STORAGE_DIR = tmp_path / "storage"
    clock_set(moment=at_local(TODAY, 10, 0), frozen=True)
    return TODAY


def institution_data(**overrides) -> dict:
    data = {
        "institution_type": "issuer_beijing",
        "platform": "bj_issuer",
        "platform_role": "issuer",
        "name": "北京测试科技股份有限公司",
        "uscc": USCC,
        "registered_address": "北京市海淀区中关村大街 99 号",
        "legal_rep_name": "张法人",
        "securities_codes": "920777",
        "licence_valid_from": "2015-01-01",
        "licence_valid_until": "2045-01-01",
        "org_code": ORG_CODE,
        "org_code_valid_from": "2015-01-01",
        "org_code_long_term": "on",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def user_data(**overrides) -> dict:
    data = {
        "username": "ceshi_ir",
        "password": PASSWORD,
        "password_again": PASSWORD,
        "agent_name": "李经办",
        "agent_id_type": "resident_id",
        "agent_id_number": AGENT_ID,
        "mobile": "13612345678",
        "email": "ir@ceshi.example",
        "postal_province": "北京市",
        "postal_city": "北京市",
        "postal_district": "海淀区",
        "postal_detail": "中关村大街 99 号 5 层",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


class Wizard:
    """Walks the registration wizard with a test client, the way the manual's figures go."""

    def __init__(self):
        self.client = Client()

    def post(self, name: str, data=None, **kwargs):
        return self.client.post(reverse(f"issuers:{name}"), data or {}, **kwargs)

    def start(self):
        self.post("register_agreement", {"accept": "yes"})
        self.post("register_category", {"user_category": "participant_user"})
        return self.post("register_method", {"method": "online"})

    def fill(self, institution=None, user=None):
        self.start()
        self.post("register_institution", institution_data(**(institution or {})))
        return self.post("register_user", user_data(**(user or {})))

    def upload_all(self, three_in_one: bool = False):
        files = {kind: pdf(f"{kind}.pdf") for kind in registration_materials(three_in_one)}
        return self.post("register_materials", files)

    def verify(self):
        from csdp.notify.testing import last_code

        registration = self.registration()
        self.post("register_verify", {"action": "send"})
        return self.post("register_verify", {"action": "verify", "code": last_code(registration.mobile)})

    def submit(self, **kwargs) -> Registration:
        self.fill(**kwargs)
        self.upload_all(three_in_one=bool(kwargs.get("institution", {}).get("three_in_one")))
        self.verify()
        registration = self.registration()
        self.post("register_review")
        registration.refresh_from_db()
        return registration

    def registration(self) -> Registration:
        from csdp.issuers.services.registration import token_hash

        token = self.client.session.get("issuer_registration_token")
        if token:
            return Registration.objects.get(token_sha256=token_hash(token))
        return Registration.objects.latest("id")


@pytest.fixture
def wizard(db) -> Wizard:
    return Wizard()


def give_profile(user, code: str, *, three_in_one: bool = True, uscc_prefix: str = "91110108MA01EEEE") -> IssuerProfile:
    """Make a cast issuer a registered one: profile, information in force since 2020, a code."""
    institution = user.institution
    InstitutionInfoVersion.objects.create(
        institution=institution,
        effective_from=dt.date(2020, 1, 1),
        name=institution.name,
        uscc=make_uscc(uscc_prefix + str(user.pk % 10)),
        licence_valid_from=dt.date(2015, 1, 1),
        three_in_one=three_in_one,
        org_code="" if three_in_one else ORG_CODE,
        org_code_valid_from=None if three_in_one else dt.date(2015, 1, 1),
        registered_address="北京市海淀区旧址路 1 号",
        legal_rep_name="原法人",
        phone="010-12345678",
        source=InstitutionInfoVersion.Source.DEMO,
    )
    IssuerSecurity.objects.create(institution=institution, code=code, name="测试")
    return IssuerProfile.objects.create(
        institution=institution,
        agent=user,
        postal_province="北京市",
        postal_city="北京市",
        postal_district="海淀区",
        postal_detail="旧址路 1 号",
    )


@pytest.fixture
def issuers(cast):
    """Issuer A (920001) and issuer B (920002) with profiles and information in force."""
    give_profile(cast.issuer_a, "920001")
    give_profile(cast.issuer_b, "920002", uscc_prefix="91110108MA01FFFF")
    return cast


class Signer:
    """Posts a signed two-step form: first POST → confirmation page → sign its challenge → confirm."""

    def __init__(self, client, key):
        self.client, self.key = client, key

    def submit(self, url: str, data: dict, files: dict | None = None):
        from csdp.keys.testing import sign

        first = self.client.post(url, {**data, **(files or {})})
        if first.status_code != 200 or "signing" not in (first.context or {}):
            return first
        hidden = re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', first.content.decode())
        confirm: dict[str, list[str]] = {}
        for name, value in hidden:
            if name != "csrfmiddlewaretoken":
                confirm.setdefault(name, []).append(_unescape(value))
        confirm["key_signature"] = [sign(self.key, first.context["signing"])]
        return self.client.post(url, confirm)


def _unescape(value: str) -> str:
    import html

    return html.unescape(value)


@pytest.fixture
def signer_for(client_for):
    from csdp.keys.testing import enrol_test_key

    def make(user) -> Signer:
        return Signer(client_for(user), enrol_test_key(user))

    return make
