import json

import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from django.test import Client
from django.urls import reverse

from csdp.keys.algorithms import p256_der_to_raw
from csdp.keys.models import CertificateStatus, KeyDevice, KeyIssue
from csdp.keys.services import key_issue
from csdp.keys.verify import b64url, b64url_decode
from csdp.notify.testing import last_code
from tests.conftest import PASSWORD


def _browser_registration(page_context) -> tuple[dict, ec.EllipticCurvePrivateKey]:
    """What keys.js posts for a software key: SPKI, an id, and a signature over the enrolment challenge."""
    private = ec.generate_private_key(ec.SECP256R1())
    spki = private.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    proof = private.sign(b64url_decode(page_context["challenge"]), ec.ECDSA(hashes.SHA256()))
    registration = {
        "kind": "software",
        "credential_id": "test-cred-1",
        "public_key": b64url(spki),
        "signature": b64url(p256_der_to_raw(proof)),
    }
    return registration, private


def _enter_code(client, user, code):
    return client.post(reverse("keys:enrol"), {"username": user.username, "password": PASSWORD, "code": code})


@pytest.mark.django_db
def test_the_agent_enrols_a_software_key_with_the_code_sent_to_the_mobile(cast):
    key_issue(user=cast.issuer_a, model="white", actor=cast.admin)
    client = Client()
    assert _enter_code(client, cast.issuer_a, last_code(cast.issuer_a.mobile))["Location"] == reverse("keys:enrol_key")
    page = client.get(reverse("keys:enrol_key"))
    assert page.status_code == 200
    registration, _ = _browser_registration(page.context)
    done = client.post(reverse("keys:enrol_key"), {"registration": json.dumps(registration)})
    assert done.status_code == 200 and "12345678" in done.content.decode()  # the white model's initial PIN
    device = KeyDevice.objects.get(user=cast.issuer_a)
    assert device.model == "white" and device.pin_must_change
    assert device.certificates.get().status == CertificateStatus.ACTIVE
    assert KeyIssue.objects.get(user=cast.issuer_a).used_at is not None


@pytest.mark.django_db
def test_a_registration_signed_by_another_key_is_refused(cast):
    key_issue(user=cast.issuer_a, model="grey", actor=cast.admin)
    client = Client()
    _enter_code(client, cast.issuer_a, last_code(cast.issuer_a.mobile))
    registration, _ = _browser_registration(client.get(reverse("keys:enrol_key")).context)
    stranger = ec.generate_private_key(ec.SECP256R1())
    registration["public_key"] = b64url(
        stranger.public_key().public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    )
    response = client.post(reverse("keys:enrol_key"), {"registration": json.dumps(registration)})
    assert "密钥持有证明验证失败" in response.content.decode()
    assert not KeyDevice.objects.filter(user=cast.issuer_a).exists()


@pytest.mark.django_db
def test_the_software_key_is_refused_where_it_is_not_allowed(cast, settings):
    key_issue(user=cast.issuer_a, model="grey", actor=cast.admin)
    client = Client()
    _enter_code(client, cast.issuer_a, last_code(cast.issuer_a.mobile))
    registration, _ = _browser_registration(client.get(reverse("keys:enrol_key")).context)
    settings.CSDP_SOFTWARE_KEY_ALLOWED = False
    response = client.post(reverse("keys:enrol_key"), {"registration": json.dumps(registration)})
    assert "不允许使用软件密钥" in response.content.decode()
    assert not KeyDevice.objects.filter(user=cast.issuer_a).exists()


@pytest.mark.django_db
def test_five_wrong_enrolment_codes_void_the_issue(cast):
    key_issue(user=cast.issuer_a, model="grey", actor=cast.admin)
    right = last_code(cast.issuer_a.mobile)
    wrong = "000000" if right != "000000" else "111111"
    for _ in range(5):
        assert _enter_code(Client(), cast.issuer_a, wrong).status_code == 200
    assert KeyIssue.objects.get(user=cast.issuer_a).voided_at is not None
    assert _enter_code(Client(), cast.issuer_a, right).status_code == 200  # even the right code is dead now


@pytest.mark.django_db
def test_the_enrolment_code_needs_the_password_too(cast):
    key_issue(user=cast.issuer_a, model="grey", actor=cast.admin)
    response = Client().post(
        reverse("keys:enrol"), {"username": "issuer_a", "password": "wrong", "code": last_code(cast.issuer_a.mobile)}
    )
    assert response.status_code == 200
    assert "用户名或密码错误" in response.content.decode()


@pytest.mark.django_db
def test_an_enrolment_challenge_cannot_be_used_twice(cast):
    key_issue(user=cast.issuer_a, model="grey", actor=cast.admin)
    client = Client()
    _enter_code(client, cast.issuer_a, last_code(cast.issuer_a.mobile))
    context = client.get(reverse("keys:enrol_key")).context
    registration, _ = _browser_registration(context)
    client.post(reverse("keys:enrol_key"), {"registration": json.dumps({"kind": "bogus"})})  # uses the challenge
    _ = client.session  # the page re-rendered a new challenge, but the signed one is gone
    response = client.post(reverse("keys:enrol_key"), {"registration": json.dumps(registration)})
    assert "密钥持有证明验证失败" in response.content.decode() or "签名挑战无效" in response.content.decode()
    assert not KeyDevice.objects.filter(user=cast.issuer_a).exists()
