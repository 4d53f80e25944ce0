import datetime as dt

import pytest
from cryptography import x509
from django.test import Client
from django.urls import reverse

from csdp.clock.services import clock_now
from csdp.keys.models import Certificate, CertificateStatus
from csdp.approvals.models import Approval
from csdp.keys.signing import signing_context, submission_digest, submission_sign_verify
from csdp.keys.testing import enrol_test_key, sign


@pytest.mark.django_db
def test_the_public_crl_lists_a_certificate_revoked_by_an_administrator(
    cast, client_for, django_capture_on_commit_callbacks
):
    key = enrol_test_key(cast.issuer_a)
    response = client_for(cast.admin).post(
        reverse("keys:certificate_revoke", kwargs={"key_certificate_id": key.certificate.pk}), {"reason": "遗失"}
    )
    assert response.status_code == 302
    key.certificate.refresh_from_db()
    assert key.certificate.status == "active"  # prepared by one administrator: nothing revoked yet
    approval = Approval.objects.get(kind="keys.certificate_revoke")
    same = client_for(cast.admin).post(
        reverse("approvals:decide", args=[approval.pk]), {"action": "approve"}, follow=True
    )
    assert "经办人与复核人不能为同一人" in same.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        client_for(cast.reviewer).post(reverse("approvals:decide", args=[approval.pk]), {"action": "approve"})
    der = Client().get(reverse("keys:crl"))
    assert der["Content-Type"] == "application/pkix-crl"
    crl = x509.load_der_x509_crl(der.content)
    assert crl.get_revoked_certificate_by_serial_number(int(key.certificate.serial, 16)) is not None
    pem = Client().get(reverse("keys:crl_pem")).content
    assert x509.load_pem_x509_crl(pem).get_revoked_certificate_by_serial_number(int(key.certificate.serial, 16))


@pytest.mark.django_db
def test_the_certificate_page_shows_the_expiry_date(cast, client_for):
    key = enrol_test_key(cast.issuer_a)
    page = client_for(cast.issuer_a).get(reverse("keys:certificates")).content.decode()
    assert "证书到期日期" in page
    assert key.certificate.not_after.astimezone(dt.timezone(dt.timedelta(hours=8))).strftime("%Y-%m-%d") in page


@pytest.mark.django_db
def test_staff_see_certificates_expiring_within_thirty_days_only(cast, client_for):
    soon = enrol_test_key(cast.issuer_a)
    later = enrol_test_key(cast.issuer_b)
    Certificate.objects.filter(pk=soon.certificate.pk).update(not_after=clock_now() + dt.timedelta(days=10))
    page = client_for(cast.reviewer).get(reverse("keys:admin"))
    expiring = list(page.context["expiring"])
    assert soon.certificate in expiring and later.certificate not in expiring


@pytest.mark.django_db
def test_staff_verify_a_stored_signature_on_its_page(cast, client_for):
    key = enrol_test_key(cast.issuer_a)
    digest = submission_digest(content={"x": 1})
    signature = submission_sign_verify(
        user=cast.issuer_a, digest=digest, payload=sign(key, signing_context(user=cast.issuer_a, digest=digest))
    )
    page = client_for(cast.operator).get(reverse("keys:signature_detail", kwargs={"key_signature_id": signature.pk}))
    assert page.context["valid"] is True and "验签通过" in page.content.decode()


@pytest.mark.django_db
def test_an_administrator_issues_a_key_and_the_code_goes_to_the_agents_mobile(cast, client_for):
    from csdp.keys.models import KeyIssue
    from csdp.notify.testing import last_code

    client_for(cast.admin).post(reverse("keys:key_issue_create"), {"username": "issuer_b", "model": "grey"})
    assert KeyIssue.objects.filter(user=cast.issuer_b).count() == 1
    assert len(last_code(cast.issuer_b.mobile)) == 6


@pytest.mark.django_db
def test_the_admin_page_does_not_grow_queries_with_devices(cast, client_for, django_assert_max_num_queries):
    for user in (cast.issuer_a, cast.issuer_b, cast.underwriter, cast.participant):
        enrol_test_key(user)
    client = client_for(cast.admin)
    with django_assert_max_num_queries(20):
        assert client.get(reverse("keys:admin")).status_code == 200
    assert Certificate.objects.filter(status=CertificateStatus.ACTIVE).count() == 4


@pytest.mark.django_db
def test_the_api_reports_my_certificate_and_lets_staff_recheck_a_signature(cast, client_for):
    key = enrol_test_key(cast.issuer_a)
    mine = client_for(cast.issuer_a).get("/api/v1/keys/certificate").json()
    assert mine["serial"] == key.certificate.serial and mine["key_kind"] == "software"
    assert client_for(cast.issuer_b).get("/api/v1/keys/certificate").status_code == 404
    digest = submission_digest(content={"api": 1})
    signature = submission_sign_verify(
        user=cast.issuer_a, digest=digest, payload=sign(key, signing_context(user=cast.issuer_a, digest=digest))
    )
    checked = client_for(cast.reviewer).get(f"/api/v1/keys/signatures/{signature.pk}").json()
    assert checked["valid"] is True and checked["digest"] == digest


@pytest.mark.django_db
def test_days_left_count_a_started_day(cast):
    from csdp.keys.selectors import certificate_days_left

    key = enrol_test_key(cast.issuer_a)
    key.certificate.not_after = clock_now() + dt.timedelta(days=10) - dt.timedelta(minutes=1)
    assert certificate_days_left(key.certificate) == 10


@pytest.mark.django_db
def test_the_crl_url_catches_up_with_a_revocation_published_elsewhere(cast):
    from csdp.keys.services import certificate_revoke

    key = enrol_test_key(cast.issuer_a)
    Client().get(reverse("keys:crl"))  # a CRL file without the revocation below
    certificate_revoke(certificate=key.certificate, reason="遗失", actor=cast.admin)  # on_commit never runs here
    crl = x509.load_der_x509_crl(Client().get(reverse("keys:crl")).content)
    assert crl.get_revoked_certificate_by_serial_number(int(key.certificate.serial, 16)) is not None
