"""Checking what a key signed: the payload the browser posts (software key or WebAuthn assertion),
and the later re-check of a stored Signature against its certificate and the platform CA.

Payload (JSON, version 1):
  software: {"v": 1, "challenge_id": n, "kind": "software", "credential_id": id, "signature": b64url(r‖s)}
  webauthn: {"v": 1, "challenge_id": n, "kind": "webauthn", "credential": <PublicKeyCredential as JSON>}
"""

from __future__ import annotations

import base64
import hashlib
import json
from dataclasses import dataclass
from urllib.parse import urlsplit

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from django.conf import settings
from django.db import transaction
from webauthn import verify_authentication_response
from webauthn.helpers.exceptions import InvalidAuthenticationResponse

from csdp.clock.services import clock_now
from csdp.keys import ca
from csdp.keys.algorithms import algorithm_get
from csdp.keys.models import KeyDevice, KeyKind, SigningChallenge
from csdp.keys.selectors import active_key_of, certificate_problem
from csdp.lib.errors import CsdpError

UV_FLAG = 0x04  # authenticator data flags: user verified


class PayloadRefused(CsdpError):
    code = "key.payload_refused"


@dataclass(frozen=True)
class Checked:
    device: KeyDevice
    certificate: object
    nonce: str
    signature_der: bytes
    authenticator_data: bytes = b""
    client_data_json: bytes = b""


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def b64url_decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _parse(payload: str) -> dict:
    try:
        data = json.loads(payload or "")
    except ValueError:
        raise PayloadRefused("未收到 USB-KEY 签名，请确认已插入 USB-KEY 并允许浏览器使用。") from None
    if not isinstance(data, dict) or data.get("v") != 1 or not isinstance(data.get("challenge_id"), int):
        raise PayloadRefused("USB-KEY 签名格式不正确。")
    return data


def challenge_consume(*, user, challenge_id: int, digest: str, purpose: str) -> SigningChallenge:
    """Use the challenge once. A second use, another user's or another digest's challenge is refused."""
    now = clock_now()
    with transaction.atomic():
        used = SigningChallenge.objects.filter(
            pk=challenge_id, user=user, purpose=purpose, digest=digest, used_at__isnull=True, expires_at__gt=now
        ).update(used_at=now)
    if used != 1:
        raise PayloadRefused("签名挑战无效、已使用或已过期，或提交内容已变化，请刷新页面后重试。")
    return SigningChallenge.objects.get(pk=challenge_id)


def payload_verify(*, user, digest: str, payload: str, purpose: str) -> Checked:
    data = _parse(payload)
    challenge = challenge_consume(user=user, challenge_id=data["challenge_id"], digest=digest, purpose=purpose)
    key = active_key_of(user)
    if key is None:
        raise PayloadRefused("未找到有效的 USB-KEY 证书。")
    problem = certificate_problem(key.certificate)
    if problem:
        raise PayloadRefused(problem)
    if key.device.locked_at is not None:
        raise PayloadRefused("USB-KEY 已锁死，请提交 PIN 码重置申请。")
    from csdp.keys.signing import challenge_bytes  # here: keys.signing imports this module

    message = challenge_bytes(nonce=challenge.nonce, digest=challenge.digest)
    if data.get("kind") == KeyKind.SOFTWARE and key.device.kind == KeyKind.SOFTWARE:
        signature_der = _software_verify(key, data, message)
        return Checked(
            device=key.device, certificate=key.certificate, nonce=challenge.nonce, signature_der=signature_der
        )
    if data.get("kind") == KeyKind.WEBAUTHN and key.device.kind == KeyKind.WEBAUTHN:
        return _webauthn_verify(key, data, message, challenge.nonce)
    raise PayloadRefused("签名所用的 USB-KEY 与登记的不一致。")


def _software_verify(key, data: dict, message: bytes) -> bytes:
    if not settings.CSDP_SOFTWARE_KEY_ALLOWED:
        raise PayloadRefused("本环境不允许使用软件密钥。")
    if data.get("credential_id") != key.device.credential_id:
        raise PayloadRefused("签名所用的 USB-KEY 与登记的不一致。")
    algorithm = algorithm_get(key.device.algorithm)
    try:
        signature_der = algorithm.raw_to_der(b64url_decode(str(data.get("signature", ""))))
    except ValueError:
        raise PayloadRefused("USB-KEY 签名格式不正确。") from None
    public_key = serialization.load_der_public_key(bytes(key.device.public_key_der))
    if not algorithm.verify(public_key, signature_der, message):
        raise PayloadRefused("USB-KEY 签名验证失败。")
    return signature_der


def allowed_origins(rp_id: str, claimed: str) -> list[str]:
    """Configured origins, else the origin the browser reports when it lies within the RP ID's domain."""
    if settings.CSDP_WEBAUTHN_ORIGINS:
        return list(settings.CSDP_WEBAUTHN_ORIGINS)
    host = urlsplit(claimed).hostname or ""
    if host == rp_id or host.endswith("." + rp_id):
        return [claimed]
    return []


def _webauthn_verify(key, data: dict, message: bytes, nonce: str) -> Checked:
    credential = data.get("credential")
    if not isinstance(credential, dict) or credential.get("id") != key.device.credential_id:
        raise PayloadRefused("签名所用的 USB-KEY 与登记的不一致。")
    try:
        response = credential["response"]
        client_data_json = b64url_decode(response["clientDataJSON"])
        authenticator_data = b64url_decode(response["authenticatorData"])
        signature_der = b64url_decode(response["signature"])
        claimed_origin = json.loads(client_data_json).get("origin", "")
        verified = verify_authentication_response(
            credential=credential,
            expected_challenge=message,
            expected_rp_id=key.device.rp_id,
            expected_origin=allowed_origins(key.device.rp_id, claimed_origin),
            credential_public_key=bytes(key.device.cose_public_key),
            credential_current_sign_count=key.device.sign_count,
            require_user_verification=True,  # issue 3 §2: user verification required
        )
    except (InvalidAuthenticationResponse, KeyError, TypeError, ValueError) as error:
        raise PayloadRefused(f"USB-KEY 签名验证失败：{error}") from None
    KeyDevice.objects.filter(pk=key.device.pk).update(sign_count=verified.new_sign_count)
    return Checked(
        device=key.device,
        certificate=key.certificate,
        nonce=nonce,
        signature_der=signature_der,
        authenticator_data=authenticator_data,
        client_data_json=client_data_json,
    )


def signature_recheck(signature) -> bool:
    """Staff's later check: the CA issued the certificate, it was valid and unrevoked when the
    submission was signed, and the stored signature covers SHA-256(nonce ‖ digest) under its key."""
    from csdp.keys.signing import challenge_bytes  # here: keys.signing imports this module

    certificate = signature.certificate
    if signature.method != signature.Method.KEY or certificate is None:
        return False
    cert = x509.load_pem_x509_certificate(certificate.pem.encode())
    if not ca.certificate_chain_ok(cert):
        return False
    if signature.signed_at >= certificate.not_after:
        return False
    if signature.signed_at < certificate.not_before and not settings.CSDP_CLOCK_SETTABLE:
        return False  # see selectors.certificate_problem: a settable clock may run back past issuance
    if certificate.revoked_at is not None and certificate.revoked_at <= signature.signed_at:
        return False
    try:
        message = challenge_bytes(nonce=signature.nonce, digest=signature.digest)
    except ValueError:
        return False
    algorithm = algorithm_get(signature.algorithm)
    if signature.kind == KeyKind.SOFTWARE:
        return algorithm.verify(cert.public_key(), bytes(signature.signature), message)
    return _webauthn_recheck(signature, cert, algorithm, message)


def _webauthn_recheck(signature, cert, algorithm, message: bytes) -> bool:
    client_data_json = bytes(signature.client_data_json)
    authenticator_data = bytes(signature.authenticator_data)
    try:
        client_data = json.loads(client_data_json)
    except ValueError:
        return False
    if client_data.get("type") != "webauthn.get" or client_data.get("challenge") != b64url(message):
        return False
    if len(authenticator_data) < 37 or not authenticator_data[32] & UV_FLAG:
        return False
    signed = authenticator_data + hashlib.sha256(client_data_json).digest()
    return algorithm.verify(cert.public_key(), bytes(signature.signature), signed)
