"""The demo world has issuers in every state, and seeding twice changes nothing."""

from __future__ import annotations

import datetime as dt

from csdp.accounts.models import User
from csdp.issuers.models import InfoChangeApplication, InvoiceInfo, IssuerProfile, IssuerSecurity, Registration
from csdp.issuers.selectors import blocking_application, effective_invoice_info, issuer_securities_codes
from csdp.issuers.states import ApplicationStatus, RegistrationStatus
from csdp.issuers.demo import seed_issuers
from csdp.accounts.demo import seed_users


def _counts():
    return [
        m.objects.count() for m in (Registration, IssuerProfile, IssuerSecurity, InfoChangeApplication, InvoiceInfo)
    ]


def demo_seed():
    # Only this app's part of the world, on top of the demo users: other apps' seeders are theirs to test.
    seed_users()
    seed_issuers()


def test_the_demo_world_holds_every_state_and_reseeding_changes_nothing(db):
    demo_seed()
    a = User.objects.get(username="issuer_a").institution
    b = User.objects.get(username="issuer_b").institution
    assert issuer_securities_codes(a) == ["920188"] and issuer_securities_codes(b) == ["920219"]
    assert IssuerProfile.objects.filter(institution__in=[a, b]).count() == 2
    assert Registration.objects.get(username="xinke_ir").status == RegistrationStatus.SUBMITTED
    assert blocking_application(b).status == ApplicationStatus.REJECTED
    assert effective_invoice_info(a, dt.date(2026, 3, 2)).securities_code == "920188"
    before = _counts()
    demo_seed()
    assert _counts() == before
