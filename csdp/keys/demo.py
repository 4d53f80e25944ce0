"""The keys' part of the demo world.

A software key cannot be pre-seeded for a demo user: its private key lives only in the browser that
creates it. So issuer_a gets what a freshly approved issuer has — a pending key issue whose
enrolment code is in the demo SMS outbox (shown on the demo login page) — and enrols in the browser.
issuer_b shows the other states: a key locked by six wrong PINs whose certificate expires in ten days.
"""

from __future__ import annotations

from cryptography.hazmat.primitives.asymmetric import ec
from django.contrib.auth import get_user_model

from csdp.clock.services import clock_now
from csdp.keys.models import KeyDevice, KeyIssue, KeyKind, KeyModel
from csdp.keys.services import device_register, key_issue
from csdp.accounts.demo import register_seeder

DEMO_LOCKED_CREDENTIAL = "demo-issuer_b-locked-key"


@register_seeder(order=60)
def seed_keys() -> None:
    users = get_user_model().objects
    issuer_a = users.filter(username="issuer_a").first()
    if (
        issuer_a
        and not KeyDevice.objects.filter(user=issuer_a).exists()
        and not KeyIssue.objects.filter(
            user=issuer_a, used_at__isnull=True, voided_at__isnull=True, expires_at__gt=clock_now()
        ).exists()
    ):
        key_issue(user=issuer_a, model=KeyModel.GREY, actor=None)
    issuer_b = users.filter(username="issuer_b").first()
    if issuer_b and not KeyDevice.objects.filter(credential_id=DEMO_LOCKED_CREDENTIAL).exists():
        # The private half is thrown away at once: this key stands for one whose holder is locked out.
        device = device_register(
            user=issuer_b,
            model=KeyModel.WHITE,
            kind=KeyKind.SOFTWARE,
            credential_id=DEMO_LOCKED_CREDENTIAL,
            public_key=ec.generate_private_key(ec.SECP256R1()).public_key(),
            validity_days=10,
        )
        KeyDevice.objects.filter(pk=device.pk).update(failed_pins=6, locked_at=clock_now(), pin_must_change=False)
