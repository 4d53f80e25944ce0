import json

import pytest

from csdp.keys.models import Signature
from csdp.keys.signing import SignatureRefused, signing_context, submission_digest, submission_sign_verify
from csdp.keys.testing import enrol_test_key, sign


class _File:
    def __init__(self, sha256: str):
        self.sha256 = sha256


CONTENT = {"securities_code": "920188", "business_type": "00", "remark": "股份初始登记"}
FILES = [_File("a" * 64), _File("b" * 64)]


def test_the_digest_is_stable_under_key_order_and_changes_with_content_or_any_file():
    digest = submission_digest(content=CONTENT, files=FILES)
    assert digest == submission_digest(content=dict(reversed(list(CONTENT.items()))), files=FILES)
    assert digest != submission_digest(content={**CONTENT, "remark": "改"}, files=FILES)
    assert digest != submission_digest(content=CONTENT, files=[FILES[0], _File("c" * 64)])
    assert digest != submission_digest(content=CONTENT, files=list(reversed(FILES)))


@pytest.mark.django_db
def test_a_signature_by_the_users_key_is_stored_and_verifies_later(cast):
    key = enrol_test_key(cast.issuer_a)
    digest = submission_digest(content=CONTENT, files=FILES)
    payload = sign(key, signing_context(user=cast.issuer_a, digest=digest))
    signature = submission_sign_verify(user=cast.issuer_a, digest=digest, payload=payload)
    assert signature.method == Signature.Method.KEY
    assert signature.certificate == key.certificate
    assert Signature.objects.get(pk=signature.pk).verify() is True


@pytest.mark.django_db
def test_it_refuses_a_signature_when_the_content_changed_after_signing(cast):
    key = enrol_test_key(cast.issuer_a)
    digest = submission_digest(content=CONTENT, files=FILES)
    payload = sign(key, signing_context(user=cast.issuer_a, digest=digest))
    changed = submission_digest(content={**CONTENT, "remark": "换了内容"}, files=FILES)
    with pytest.raises(SignatureRefused):
        submission_sign_verify(user=cast.issuer_a, digest=changed, payload=payload)


@pytest.mark.django_db
def test_it_refuses_a_signature_when_an_attachment_changed(cast):
    key = enrol_test_key(cast.issuer_a)
    digest = submission_digest(content=CONTENT, files=FILES)
    payload = sign(key, signing_context(user=cast.issuer_a, digest=digest))
    swapped = submission_digest(content=CONTENT, files=[FILES[0], _File("f" * 64)])
    with pytest.raises(SignatureRefused):
        submission_sign_verify(user=cast.issuer_a, digest=swapped, payload=payload)


@pytest.mark.django_db
def test_a_stored_signature_fails_verification_when_its_digest_is_altered(cast):
    key = enrol_test_key(cast.issuer_a)
    digest = submission_digest(content=CONTENT, files=FILES)
    signature = submission_sign_verify(
        user=cast.issuer_a, digest=digest, payload=sign(key, signing_context(user=cast.issuer_a, digest=digest))
    )
    Signature.objects.filter(pk=signature.pk).update(digest=submission_digest(content=CONTENT, files=FILES[:1]))
    assert Signature.objects.get(pk=signature.pk).verify() is False


@pytest.mark.django_db
def test_a_replayed_challenge_is_refused(cast):
    key = enrol_test_key(cast.issuer_a)
    digest = submission_digest(content=CONTENT)
    payload = sign(key, signing_context(user=cast.issuer_a, digest=digest))
    submission_sign_verify(user=cast.issuer_a, digest=digest, payload=payload)
    with pytest.raises(SignatureRefused):
        submission_sign_verify(user=cast.issuer_a, digest=digest, payload=payload)


@pytest.mark.django_db
def test_another_users_key_cannot_sign_for_the_user(cast):
    enrol_test_key(cast.issuer_a)
    other = enrol_test_key(cast.issuer_b)
    digest = submission_digest(content=CONTENT)
    context = signing_context(user=cast.issuer_a, digest=digest)
    with pytest.raises(SignatureRefused):
        submission_sign_verify(user=cast.issuer_a, digest=digest, payload=sign(other, context))


@pytest.mark.django_db
def test_a_forged_signature_is_refused(cast):
    key = enrol_test_key(cast.issuer_a)
    digest = submission_digest(content=CONTENT)
    payload = json.loads(sign(key, signing_context(user=cast.issuer_a, digest=digest)))
    payload["signature"] = payload["signature"][:-4] + ("AAAA" if not payload["signature"].endswith("AAAA") else "BBBB")
    with pytest.raises(SignatureRefused):
        submission_sign_verify(user=cast.issuer_a, digest=digest, payload=json.dumps(payload))


@pytest.mark.django_db
def test_an_issuer_without_a_key_cannot_submit(cast):
    digest = submission_digest(content=CONTENT)
    assert signing_context(user=cast.issuer_a, digest=digest)["required"] is True
    with pytest.raises(SignatureRefused):
        submission_sign_verify(user=cast.issuer_a, digest=digest, payload="")


@pytest.mark.django_db
def test_a_participant_without_a_key_gets_an_unsigned_record_that_does_not_verify(cast):
    digest = submission_digest(content=CONTENT)
    assert signing_context(user=cast.participant, digest=digest)["required"] is False
    signature = submission_sign_verify(user=cast.participant, digest=digest, payload="")
    assert signature.method == Signature.Method.NONE
    assert signature.verify() is False


@pytest.mark.django_db
def test_a_revoked_certificate_cannot_sign(cast):
    from csdp.keys.services import certificate_revoke

    key = enrol_test_key(cast.issuer_a)
    digest = submission_digest(content=CONTENT)
    context = signing_context(user=cast.issuer_a, digest=digest)
    certificate_revoke(certificate=key.certificate, reason="遗失", actor=cast.admin)
    with pytest.raises(SignatureRefused):
        submission_sign_verify(user=cast.issuer_a, digest=digest, payload=sign(key, context))


@pytest.mark.django_db
def test_the_sign_field_says_why_an_expired_key_cannot_sign(cast):
    import datetime as dt

    from django.template.loader import render_to_string

    from csdp.keys.models import Certificate

    key = enrol_test_key(cast.issuer_a)
    Certificate.objects.filter(pk=key.certificate.pk).update(not_after=dt.datetime(2025, 1, 1, tzinfo=dt.UTC))
    context = signing_context(user=cast.issuer_a, digest=submission_digest(content=CONTENT))
    assert context["challenge_id"] is None and "过期" in context["problem"]
    assert "证书已过期" in render_to_string("keys/_sign_field.html", {"signing": context})
