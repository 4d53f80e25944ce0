"""The platform's own certificate authority: one P-256 root, created on first use (or by
`csdp keys ca-init`), its private key stored encrypted under CSDP_STORAGE_DIR/ca/.

The passphrase comes from CSDP_CA_PASSPHRASE, or is derived from SECRET_KEY when that is unset
(dev and demo). Production sets CSDP_CA_PASSPHRASE so that rotating SECRET_KEY does not lock the CA.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from django.conf import settings

CA_NAME = x509.Name(
    [
        x509.NameAttribute(NameOID.COUNTRY_NAME, "CN"),
        x509.NameAttribute(NameOID.ORGANIZATION_NAME, "CSDP 中央证券存管平台"),
        x509.NameAttribute(NameOID.COMMON_NAME, "CSDP USB-KEY Root CA"),
    ]
)
# Fixed early start: the business clock of a demo may sit before the day the CA was created.
CA_NOT_BEFORE = dt.datetime(2020, 1, 1, tzinfo=dt.UTC)
CA_NOT_AFTER = dt.datetime(2045, 12, 31, tzinfo=dt.UTC)
CRL_LIFETIME = dt.timedelta(days=7)


@dataclass(frozen=True)
class Authority:
    key: ec.EllipticCurvePrivateKey
    certificate: x509.Certificate


_lock = threading.Lock()
_loaded: dict[Path, Authority] = {}


def ca_dir() -> Path:
    return Path(settings.CSDP_STORAGE_DIR) / "ca"


def _passphrase() -> bytes:
    explicit = os.environ.get("CSDP_CA_PASSPHRASE", "")
    if explicit:
        return explicit.encode()
    return hashlib.sha256(b"csdp-ca-key:" + settings.SECRET_KEY.encode()).hexdigest().encode()


def _new_authority() -> bytes:
    key = ec.generate_private_key(ec.SECP256R1())
    public = key.public_key()
    certificate = (
        x509.CertificateBuilder()
        .subject_name(CA_NAME)
        .issuer_name(CA_NAME)
        .public_key(public)
        .serial_number(x509.random_serial_number())
        .not_valid_before(CA_NOT_BEFORE)
        .not_valid_after(CA_NOT_AFTER)
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=False,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(public), critical=False)
        .sign(key, hashes.SHA256())
    )
    key_pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.BestAvailableEncryption(_passphrase()),
    )
    return key_pem + certificate.public_bytes(serialization.Encoding.PEM)


def _write_once(path: Path, content: bytes) -> None:
    """Create path with content unless it exists; two processes racing keep the first one's CA."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    fd, tmp = tempfile.mkstemp(dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(content)
        os.chmod(tmp, 0o600)
        try:
            os.link(tmp, path)  # atomic, fails if another process got there first
        except FileExistsError:
            pass
    finally:
        os.unlink(tmp)


def ca_init() -> tuple[Authority, bool]:
    """Load the CA, creating it if absent. Returns (authority, created)."""
    path = ca_dir() / "ca.pem"
    with _lock:
        created = False
        if not path.exists():
            _write_once(path, _new_authority())
            created = True
        if path not in _loaded or created:
            data = path.read_bytes()
            key = serialization.load_pem_private_key(data, password=_passphrase())
            certificate = x509.load_pem_x509_certificate(data)
            _loaded[path] = Authority(key=key, certificate=certificate)
        return _loaded[path], created


def ca_authority() -> Authority:
    return ca_init()[0]


def ca_certificate_pem() -> bytes:
    return ca_authority().certificate.public_bytes(serialization.Encoding.PEM)


def certificate_build(
    *, public_key, common_name: str, organization: str, uscc: str, not_before: dt.datetime, not_after: dt.datetime
) -> x509.Certificate:
    """Issue an end-entity certificate binding the key's public key to the user and institution."""
    authority = ca_authority()
    attributes = [x509.NameAttribute(NameOID.COMMON_NAME, common_name)]
    if organization:
        attributes.append(x509.NameAttribute(NameOID.ORGANIZATION_NAME, organization))
    if uscc:
        attributes.append(x509.NameAttribute(NameOID.SERIAL_NUMBER, uscc))
    return (
        x509.CertificateBuilder()
        .subject_name(x509.Name(attributes))
        .issuer_name(authority.certificate.subject)
        .public_key(public_key)
        .serial_number(x509.random_serial_number())
        .not_valid_before(not_before)
        .not_valid_after(not_after)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=True,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=False,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(public_key), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(authority.certificate.public_key()), critical=False
        )
        .sign(authority.key, hashes.SHA256())
    )


def certificate_chain_ok(certificate: x509.Certificate) -> bool:
    """True when the certificate was signed by this platform's CA."""
    authority = ca_authority()
    if certificate.issuer != authority.certificate.subject:
        return False
    try:
        certificate.verify_directly_issued_by(authority.certificate)
    except Exception:  # InvalidSignature, ValueError, TypeError: all mean "not ours"
        return False
    return True


def crl_build(*, revoked: list[tuple[int, dt.datetime]], now: dt.datetime) -> x509.CertificateRevocationList:
    authority = ca_authority()
    builder = (
        x509.CertificateRevocationListBuilder()
        .issuer_name(authority.certificate.subject)
        .last_update(now)
        .next_update(now + CRL_LIFETIME)
    )
    for serial, revoked_at in revoked:
        builder = builder.add_revoked_certificate(
            x509.RevokedCertificateBuilder().serial_number(serial).revocation_date(revoked_at).build()
        )
    return builder.sign(authority.key, hashes.SHA256())


def crl_write(crl: x509.CertificateRevocationList) -> None:
    """Replace the published CRL files (DER and PEM) atomically."""
    directory = ca_dir()
    directory.mkdir(parents=True, exist_ok=True, mode=0o700)
    for name, encoding in (("crl.der", serialization.Encoding.DER), ("crl.pem", serialization.Encoding.PEM)):
        fd, tmp = tempfile.mkstemp(dir=directory)
        with os.fdopen(fd, "wb") as handle:
            handle.write(crl.public_bytes(encoding))
        os.chmod(tmp, 0o644)
        os.replace(tmp, directory / name)
