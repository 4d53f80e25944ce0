"""Objects on issuer A's side for the URL × role matrix (tests/access_policy.py)."""

from csdp.clock.services import clock_now
from csdp.keys.models import KeyApplication, KeyApplicationKind
from csdp.keys.signing import signing_context, submission_digest, submission_sign_verify
from csdp.keys.testing import enrol_test_key, sign

ISSUER_A_SIDE = {"issuer_a", "reviewer", "operator", "admin"}


def key_application(cast):
    application = KeyApplication.objects.create(
        kind=KeyApplicationKind.RENEWAL,
        user=cast.issuer_a,
        institution=cast.issuer_a.institution,
        applicant_name="王经办",
        applicant_mobile=cast.issuer_a.mobile,
        submitted_at=clock_now(),
    )
    return str(application.pk), ISSUER_A_SIDE


def key_device(cast):
    return str(enrol_test_key(cast.issuer_a).device.pk), ISSUER_A_SIDE


def key_certificate(cast):
    return str(enrol_test_key(cast.issuer_a).certificate.pk), ISSUER_A_SIDE


def key_signature(cast):
    key = enrol_test_key(cast.issuer_a)
    digest = submission_digest(content={"matrix": True})
    payload = sign(key, signing_context(user=cast.issuer_a, digest=digest))
    return str(submission_sign_verify(user=cast.issuer_a, digest=digest, payload=payload).pk), ISSUER_A_SIDE
