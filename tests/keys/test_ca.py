import datetime as dt

import pytest
from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec

from csdp.keys import ca
from csdp.keys.models import CertificateStatus
from csdp.keys.services import certificate_revoke, crl_current
from csdp.keys.testing import enrol_test_key


@pytest.mark.django_db
def test_an_issued_certificate_names_the_user_and_institution_and_chains_to_the_ca(cast):
    cast.issuer_a.institution.uscc = "91110108MA01A2B3C4"
    cast.issuer_a.institution.save()
    key = enrol_test_key(cast.issuer_a)
    cert = x509.load_pem_x509_certificate(key.certificate.pem.encode())
    subject = {attr.oid: attr.value for attr in cert.subject}
    assert subject[x509.oid.NameOID.COMMON_NAME] == "issuer_a"
    assert subject[x509.oid.NameOID.ORGANIZATION_NAME] == "甲发行人股份有限公司"
    assert subject[x509.oid.NameOID.SERIAL_NUMBER] == "91110108MA01A2B3C4"
    assert ca.certificate_chain_ok(cert)
    assert cert.public_key().public_numbers() == key.private_key.public_key().public_numbers()
    assert (cert.not_valid_after_utc - cert.not_valid_before_utc).days == 730


def test_a_certificate_signed_by_another_authority_does_not_chain(settings, tmp_path):
    settings.CSDP_STORAGE_DIR = tmp_path
    stranger = ec.generate_private_key(ec.SECP256R1())
    name = ca.CA_NAME
    from cryptography.hazmat.primitives import hashes

    now = dt.datetime.now(dt.UTC)
    forged = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(stranger.public_key())
        .serial_number(1)
        .not_valid_before(now)
        .not_valid_after(now + dt.timedelta(days=1))
        .sign(stranger, hashes.SHA256())
    )
    assert not ca.certificate_chain_ok(forged)


def test_the_ca_key_is_stored_encrypted_and_reloads(settings, tmp_path):
    settings.CSDP_STORAGE_DIR = tmp_path
    first, created = ca.ca_init()
    assert created
    stored = (tmp_path / "ca" / "ca.pem").read_bytes()
    assert b"ENCRYPTED PRIVATE KEY" in stored and b"BEGIN PRIVATE KEY" not in stored
    ca._loaded.clear()
    again, created_again = ca.ca_init()
    assert not created_again
    assert again.certificate == first.certificate


@pytest.mark.django_db
def test_the_crl_lists_revoked_serials_and_only_those(cast):
    lost = enrol_test_key(cast.issuer_a)
    kept = enrol_test_key(cast.issuer_b)
    certificate_revoke(certificate=lost.certificate, reason="USB-KEY 遗失", actor=cast.admin)
    lost.certificate.refresh_from_db()
    assert lost.certificate.status == CertificateStatus.REVOKED
    crl = crl_current()
    assert crl.is_signature_valid(ca.ca_authority().certificate.public_key())
    assert crl.get_revoked_certificate_by_serial_number(int(lost.certificate.serial, 16)) is not None
    assert crl.get_revoked_certificate_by_serial_number(int(kept.certificate.serial, 16)) is None


@pytest.mark.django_db
def test_a_new_enrolment_revokes_the_users_previous_certificate(cast):
    old = enrol_test_key(cast.issuer_a)
    new = enrol_test_key(cast.issuer_a)
    old.certificate.refresh_from_db()
    assert old.certificate.status == CertificateStatus.REVOKED
    assert new.certificate.status == CertificateStatus.ACTIVE
