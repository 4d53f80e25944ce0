"""The demo seeder: the catalogue, and issuer A's applications in several states; twice changes nothing."""

from __future__ import annotations

from csdp.counter.demo import seed_counter
from csdp.counter.models import Application, BusinessType
from csdp.counter.states import Status
from csdp.accounts.demo import ISSUER_A, seed_users
from tests.counter.factories import give_codes


def test_the_seeder_fills_every_state_once(db):
    from csdp.accounts.models import Institution

    seed_users()
    kind, _, code = ISSUER_A
    give_codes(Institution.objects.get(kind=kind, code=code), code)
    seed_counter()
    states = set(Application.objects.values_list("status", flat=True))
    assert states == {
        Status.DRAFT,
        Status.SUBMITTED,
        Status.RETURNED,
        Status.ACCEPTED,
        Status.RESULT_ISSUED,
        Status.FINISHED,
    }
    counts = (Application.objects.count(), BusinessType.objects.count())
    seed_counter()
    assert (Application.objects.count(), BusinessType.objects.count()) == counts
    assert all(a.filer_institution.code == code for a in Application.objects.all())
