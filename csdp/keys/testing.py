"""Sign without a browser (tests of every app that signs submissions).

    key = enrol_test_key(cast.issuer_a)                       # a software key + certificate
    context = signing_context(user=cast.issuer_a, digest=digest)
    payload = sign(key, context)                             # what the browser would post as key_signature
    submission_sign_verify(user=cast.issuer_a, digest=digest, payload=payload)

The private key is held here in Python, exactly as the browser holds a non-extractable WebCrypto
key: the server only ever sees its public key and signatures in the browser's format (raw r‖s).
"""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from django.contrib.auth.hashers import make_password

from csdp.keys.algorithms import p256_der_to_raw
from csdp.keys.models import Certificate, KeyDevice, KeyKind, KeyModel, INITIAL_PIN_BY_MODEL
from csdp.keys.services import device_register
from csdp.keys.verify import b64url, b64url_decode
from django.urls import reverse

TEST_PIN = "246810"


@dataclass
class TestKey:
    __test__ = False  # not a pytest class

    device: KeyDevice
    certificate: Certificate
    private_key: ec.EllipticCurvePrivateKey
    pin: str

    @property
    def credential_id(self) -> str:
        return self.device.credential_id


def enrol_test_key(user, *, model: str = KeyModel.GREY, pin: str | None = TEST_PIN) -> TestKey:
    """Enrol a software key for the user, as the enrolment page does, and certify it.

    With ``pin`` (default TEST_PIN) the PIN is already changed; ``pin=None`` leaves the model's
    initial PIN in place and the change pending, as right after a real enrolment.
    """
    private_key = ec.generate_private_key(ec.SECP256R1())
    device = device_register(
        user=user,
        model=model,
        kind=KeyKind.SOFTWARE,
        credential_id=b64url(secrets.token_bytes(16)),
        public_key=private_key.public_key(),
    )
    if pin is not None:
        KeyDevice.objects.filter(pk=device.pk).update(pin_hash=make_password(pin), pin_must_change=False)
        device.refresh_from_db()

    certificate = device.certificates.get(status="active")
    return TestKey(
        device=device, certificate=certificate, private_key=private_key, pin=pin or INITIAL_PIN_BY_MODEL[model]
    )


def sign(test_key: TestKey, signing_context: dict) -> str:
    """The key_signature payload a browser posts for this signing context."""
    if not signing_context.get("challenge_id"):
        raise ValueError("the signing context has no challenge: the user has no active key")
    challenge = b64url_decode(signing_context["challenge"])
    der = test_key.private_key.sign(challenge, ec.ECDSA(hashes.SHA256()))
    return json.dumps(
        {
            "v": 1,
            "challenge_id": signing_context["challenge_id"],
            "kind": KeyKind.SOFTWARE,
            "credential_id": test_key.credential_id,
            "signature": b64url(p256_der_to_raw(der)),
        }
    )


def login_with_key(client, *, user, password: str, test_key: TestKey, pin: str | None = None):
    """Drive the U盾 login through the real pages with a test Client; returns the last response."""
    first = client.post(
        reverse("accounts:login"), {"username": user.get_username(), "password": password, "mode": "key"}
    )
    if first.status_code != 302 or first["Location"] != reverse("keys:login_key"):
        return first
    page = client.get(reverse("keys:login_key"))
    payload = sign(test_key, page.context["signing"])
    return client.post(
        reverse("keys:login_key"), {"key_signature": payload, "pin": test_key.pin if pin is None else pin}
    )
