"""The WebAuthn path without a browser: a minimal software authenticator builds assertions exactly as
a FIDO2 key does (authenticator data, client data JSON, ES256 over both), checked by py_webauthn."""

import hashlib
import json
import secrets
import struct

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from webauthn.helpers import encode_cbor

from csdp.keys.models import KeyDevice, KeyKind, Signature
from csdp.keys.services import device_register
from csdp.keys.signing import SignatureRefused, signing_context, submission_digest, submission_sign_verify
from csdp.keys.verify import b64url, b64url_decode

UP, UV = 0x01, 0x04


class Authenticator:
    def __init__(self, rp_id="localhost"):
        self.rp_id = rp_id
        self.private = ec.generate_private_key(ec.SECP256R1())
        self.credential_id = secrets.token_bytes(16)
        self.count = 0

    def cose(self) -> bytes:
        numbers = self.private.public_key().public_numbers()
        return encode_cbor({1: 2, 3: -7, -1: 1, -2: numbers.x.to_bytes(32, "big"), -3: numbers.y.to_bytes(32, "big")})

    def enrol(self, user) -> KeyDevice:
        return device_register(
            user=user,
            model="grey",
            kind=KeyKind.WEBAUTHN,
            credential_id=b64url(self.credential_id),
            public_key=self.private.public_key(),
            cose_public_key=self.cose(),
            rp_id=self.rp_id,
        )

    def assert_(self, context: dict, *, flags=UP | UV, origin="http://localhost:8000") -> str:
        self.count += 1
        client_data = json.dumps(
            {"type": "webauthn.get", "challenge": context["challenge"], "origin": origin, "crossOrigin": False}
        ).encode()
        auth_data = hashlib.sha256(self.rp_id.encode()).digest() + bytes([flags]) + struct.pack(">I", self.count)
        signature = self.private.sign(auth_data + hashlib.sha256(client_data).digest(), ec.ECDSA(hashes.SHA256()))
        credential = {
            "id": b64url(self.credential_id),
            "rawId": b64url(self.credential_id),
            "type": "public-key",
            "response": {
                "authenticatorData": b64url(auth_data),
                "clientDataJSON": b64url(client_data),
                "signature": b64url(signature),
                "userHandle": None,
            },
            "clientExtensionResults": {},
        }
        return json.dumps(
            {"v": 1, "challenge_id": context["challenge_id"], "kind": "webauthn", "credential": credential}
        )


DIGEST = submission_digest(content={"业务": "股份初始登记"})


@pytest.mark.django_db
def test_a_fido2_signature_is_verified_stored_and_rechecked_later(cast):
    key = Authenticator()
    device = key.enrol(cast.issuer_a)
    signature = submission_sign_verify(
        user=cast.issuer_a, digest=DIGEST, payload=key.assert_(signing_context(user=cast.issuer_a, digest=DIGEST))
    )
    assert signature.kind == KeyKind.WEBAUTHN and signature.verify() is True
    assert KeyDevice.objects.get(pk=device.pk).sign_count == 1
    Signature.objects.filter(pk=signature.pk).update(digest=submission_digest(content={"业务": "退出登记"}))
    assert Signature.objects.get(pk=signature.pk).verify() is False


@pytest.mark.django_db
def test_a_fido2_assertion_without_user_verification_is_refused(cast):
    key = Authenticator()
    key.enrol(cast.issuer_a)
    with pytest.raises(SignatureRefused):
        submission_sign_verify(
            user=cast.issuer_a,
            digest=DIGEST,
            payload=key.assert_(signing_context(user=cast.issuer_a, digest=DIGEST), flags=UP),
        )


@pytest.mark.django_db
def test_a_fido2_assertion_from_another_site_is_refused(cast):
    key = Authenticator()
    key.enrol(cast.issuer_a)
    payload = key.assert_(signing_context(user=cast.issuer_a, digest=DIGEST), origin="https://phish.example")
    with pytest.raises(SignatureRefused):
        submission_sign_verify(user=cast.issuer_a, digest=DIGEST, payload=payload)


@pytest.mark.django_db
def test_a_fido2_assertion_over_another_challenge_is_refused(cast):
    key = Authenticator()
    key.enrol(cast.issuer_a)
    first = signing_context(user=cast.issuer_a, digest=DIGEST)
    second = signing_context(user=cast.issuer_a, digest=DIGEST)
    forged = json.loads(key.assert_(first))
    forged["challenge_id"] = second["challenge_id"]
    with pytest.raises(SignatureRefused):
        submission_sign_verify(user=cast.issuer_a, digest=DIGEST, payload=json.dumps(forged))
    assert b64url_decode(first["challenge"]) != b64url_decode(second["challenge"])
