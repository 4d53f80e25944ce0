"""Enrolment: the agent, holding the enrolment code (the "mailed key", 000 §一(一)10), creates the
key pair in the browser — a FIDO2 authenticator or a software key — and the server certifies it.

Either way the server sees only the public key plus a proof that the holder of the private key
signed the enrolment challenge (the WebAuthn attestation, or an ECDSA signature for the software key).
"""

from __future__ import annotations

import hashlib
import json

from cryptography.hazmat.primitives import serialization
from django.conf import settings
from webauthn import generate_registration_options, options_to_json, verify_registration_response
from webauthn.helpers import decode_credential_public_key, decoded_public_key_to_cryptography
from webauthn.helpers.cose import COSEAlgorithmIdentifier
from webauthn.helpers.exceptions import InvalidRegistrationResponse
from webauthn.helpers.structs import (
    AttestationConveyancePreference,
    AuthenticatorSelectionCriteria,
    ResidentKeyRequirement,
    UserVerificationRequirement,
)

from csdp.keys import verify
from csdp.keys.algorithms import algorithm_for_public_key
from csdp.keys.models import KeyDevice, KeyIssue, KeyKind, SigningChallenge
from csdp.keys.services import KeyRefused, device_register
from csdp.keys.signing import challenge_bytes, challenge_create

RP_NAME = "中国结算北京市场业务平台"


def relying_party(request) -> tuple[str, list[str]]:
    """(RP ID, allowed origins): from settings, else the host the page was served from."""
    host = request.get_host()
    rp_id = settings.CSDP_WEBAUTHN_RP_ID or host.rsplit(":", 1)[0].strip("[]")
    origins = list(settings.CSDP_WEBAUTHN_ORIGINS) or [f"{request.scheme}://{host}"]
    return rp_id, origins


def enrol_challenge(*, issue: KeyIssue) -> SigningChallenge:
    digest = hashlib.sha256(f"csdp-enrol:{issue.pk}".encode()).hexdigest()
    return challenge_create(user=issue.user, digest=digest, purpose="enrol")


def enrol_options(*, request, issue: KeyIssue, challenge: SigningChallenge) -> dict:
    """Data attributes of the enrolment page: WebAuthn creation options and the software-key challenge."""
    rp_id, _ = relying_party(request)
    user = issue.user
    message = challenge_bytes(nonce=challenge.nonce, digest=challenge.digest)
    options = generate_registration_options(
        rp_id=rp_id,
        rp_name=RP_NAME,
        user_name=user.get_username(),
        user_id=hashlib.sha256(f"{settings.SECRET_KEY}:user-handle:{user.pk}".encode()).digest()[:16],
        user_display_name=user.display_name or user.get_username(),
        challenge=message,
        timeout=120000,
        attestation=AttestationConveyancePreference.NONE,
        authenticator_selection=AuthenticatorSelectionCriteria(
            resident_key=ResidentKeyRequirement.DISCOURAGED,
            user_verification=UserVerificationRequirement.REQUIRED,  # issue 3 §2: UV required
        ),
        supported_pub_key_algs=[COSEAlgorithmIdentifier.ECDSA_SHA_256],
    )
    return {
        "webauthn_options": options_to_json(options),
        "challenge": verify.b64url(message),
        "software_allowed": settings.CSDP_SOFTWARE_KEY_ALLOWED,
    }


def enrol_complete(*, request, issue: KeyIssue, challenge_id: int, registration: str) -> KeyDevice:
    """Verify the browser's registration and record the device with its certificate."""
    try:
        data = json.loads(registration or "")
    except ValueError:
        raise KeyRefused("未收到密钥信息，请重试。") from None
    digest = hashlib.sha256(f"csdp-enrol:{issue.pk}".encode()).hexdigest()
    try:
        challenge = verify.challenge_consume(user=issue.user, challenge_id=challenge_id, digest=digest, purpose="enrol")
    except verify.PayloadRefused as refused:
        raise KeyRefused(refused.message) from None
    message = challenge_bytes(nonce=challenge.nonce, digest=challenge.digest)
    if data.get("kind") == KeyKind.SOFTWARE:
        return _software(issue=issue, data=data, message=message)
    if data.get("kind") == KeyKind.WEBAUTHN:
        return _webauthn(request=request, issue=issue, data=data, message=message)
    raise KeyRefused("不支持的密钥类型。")


def _software(*, issue: KeyIssue, data: dict, message: bytes) -> KeyDevice:
    if not settings.CSDP_SOFTWARE_KEY_ALLOWED:
        raise KeyRefused("本环境不允许使用软件密钥，请使用 FIDO2 安全密钥。")
    try:
        public_key = serialization.load_der_public_key(verify.b64url_decode(str(data["public_key"])))
        algorithm = algorithm_for_public_key(public_key)
        proof = algorithm.raw_to_der(verify.b64url_decode(str(data["signature"])))
        credential_id = str(data["credential_id"])[:200]
    except (KeyError, ValueError, TypeError):
        raise KeyRefused("密钥信息格式不正确。") from None
    if not credential_id or not algorithm.verify(public_key, proof, message):
        raise KeyRefused("密钥持有证明验证失败。")
    return device_register(
        user=issue.user,
        model=issue.model,
        kind=KeyKind.SOFTWARE,
        credential_id=credential_id,
        public_key=public_key,
        issue=issue,
    )


def _webauthn(*, request, issue: KeyIssue, data: dict, message: bytes) -> KeyDevice:
    rp_id, origins = relying_party(request)
    try:
        verified = verify_registration_response(
            credential=data.get("credential"),
            expected_challenge=message,
            expected_rp_id=rp_id,
            expected_origin=origins,
            require_user_verification=True,
            supported_pub_key_algs=[COSEAlgorithmIdentifier.ECDSA_SHA_256],
        )
        public_key = decoded_public_key_to_cryptography(decode_credential_public_key(verified.credential_public_key))
    except (InvalidRegistrationResponse, KeyError, TypeError, ValueError) as error:
        raise KeyRefused(f"安全密钥登记验证失败：{error}") from None
    return device_register(
        user=issue.user,
        model=issue.model,
        kind=KeyKind.WEBAUTHN,
        credential_id=verify.b64url(verified.credential_id),
        public_key=public_key,
        cose_public_key=verified.credential_public_key,
        sign_count=verified.sign_count,
        rp_id=rp_id,
        issue=issue,
    )
