import pytest
from django.core.management import call_command

from csdp.keys.models import Certificate, KeyDevice, KeyIssue
from csdp.notify.testing import last_code
from csdp.keys.demo import seed_keys
from csdp.accounts.demo import seed_users


def demo_seed():
    """The demo users and the keys' part of the demo (other apps' seeders are their own tests' business)."""
    seed_users()
    seed_keys()


@pytest.mark.django_db
def test_the_demo_seeds_a_pending_key_for_issuer_a_and_a_locked_expiring_key_for_issuer_b():
    demo_seed()
    issue = KeyIssue.objects.get(user__username="issuer_a")
    assert issue.used_at is None
    assert len(last_code("13800000000")) == 6
    locked = KeyDevice.objects.get(user__username="issuer_b")
    assert locked.locked_at is not None
    certificate = Certificate.objects.get(device=locked)
    assert (certificate.not_after - certificate.not_before).days == 10


@pytest.mark.django_db
def test_seeding_the_demo_twice_changes_nothing():
    demo_seed()
    counts = (KeyIssue.objects.count(), KeyDevice.objects.count(), Certificate.objects.count())
    demo_seed()
    assert (KeyIssue.objects.count(), KeyDevice.objects.count(), Certificate.objects.count()) == counts


@pytest.mark.django_db
def test_the_keys_command_initialises_the_ca_and_publishes_the_crl(capsys):
    call_command("keys", "ca-init")
    call_command("keys", "crl")
    out = capsys.readouterr().out
    assert "CSDP USB-KEY Root CA" in out and "crl.der" in out


@pytest.mark.django_db
def test_purge_deletes_only_challenges_expired_over_a_day_ago(cast, capsys):
    import datetime as dt

    from csdp.clock.services import clock_now
    from csdp.keys.models import SigningChallenge
    from csdp.keys.signing import challenge_create

    old = challenge_create(user=cast.issuer_a, digest="0" * 64, purpose="sign")
    SigningChallenge.objects.filter(pk=old.pk).update(expires_at=clock_now() - dt.timedelta(days=2))
    fresh = challenge_create(user=cast.issuer_a, digest="0" * 64, purpose="sign")
    call_command("keys", "purge")
    assert list(SigningChallenge.objects.values_list("pk", flat=True)) == [fresh.pk]
