"""Every business submission is signed with the key (seed 000 §二: the USB-KEY is the identity
tool for every business; issue 3 §2).

How an app uses it (a confirm step, where the content is known on the server):
    digest = submission_digest(content={...}, files=[stored_file, ...])
    render(..., {"signing": signing_context(user=request.user, digest=digest)})   # GET of the confirm page
    {% include "keys/_sign_field.html" %}                                          # inside the <form>
    signature = submission_signed(user=..., content={...}, files=[...], payload=...)  # inside the service, under its lock

The key signs SHA-256(server nonce ‖ digest): a fresh, single-use challenge bound to that digest
and that user, so a signature can neither be replayed nor moved to other content.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import secrets

from django.conf import settings
from django.db import transaction

from csdp.accounts.roles import key_required_for
from csdp.clock.services import clock_now
from csdp.keys import verify
from csdp.keys.models import Signature, SigningChallenge
from csdp.keys.selectors import active_key_of, certificate_problem
from csdp.lib.errors import CsdpError


class SignatureRefused(CsdpError):
    code = "key.signature_refused"


def _canonical(value) -> bytes:
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"), default=str).encode()


def submission_digest(*, content: dict, files=()) -> str:
    """Hex SHA-256 over the canonical JSON of the content and the sha256 of each file, in order."""
    hashes = [f if isinstance(f, str) else f.sha256 for f in files]
    return hashlib.sha256(_canonical({"content": content, "files": hashes})).hexdigest()


def challenge_bytes(*, nonce: str, digest: str) -> bytes:
    return hashlib.sha256(bytes.fromhex(nonce) + bytes.fromhex(digest)).digest()


def challenge_create(*, user, digest: str, purpose: str) -> SigningChallenge:
    if len(digest) != 64:
        raise ValueError("digest must be a hex SHA-256")
    bytes.fromhex(digest)
    now = clock_now()
    return SigningChallenge.objects.create(
        user=user,
        purpose=purpose,
        digest=digest,
        nonce=secrets.token_hex(32),
        created_at=now,
        expires_at=now + dt.timedelta(seconds=settings.CSDP_KEY_CHALLENGE_TTL_S),
    )


def challenge_context(challenge: SigningChallenge, key) -> dict:
    """What the browser needs to ask the key for a signature (data attributes of the sign field)."""
    device = key.device
    return {
        "required": True,
        "challenge_id": challenge.pk,
        "challenge": verify.b64url(challenge_bytes(nonce=challenge.nonce, digest=challenge.digest)),
        "digest": challenge.digest,
        "kind": device.kind,
        "kind_label": device.get_kind_display(),
        "credential_id": device.credential_id,
        "certificate_serial": key.certificate.serial,
    }


def signing_context(*, user, digest: str, require_key: bool = False) -> dict:
    """Template context `signing` for a form that submits content with this digest. ``require_key``: the
    submission moves money and must carry a key signature whatever the institution kind."""
    key = active_key_of(user)
    if key is None:
        return {"required": require_key or key_required_for(user), "challenge_id": None, "digest": digest, "kind": ""}
    problem = certificate_problem(key.certificate) or (
        "USB-KEY 已锁死，请提交 PIN 码重置申请。" if key.device.locked_at else None
    )
    if problem:
        return {"required": True, "challenge_id": None, "digest": digest, "kind": key.device.kind, "problem": problem}
    return challenge_context(challenge_create(user=user, digest=digest, purpose="sign"), key)


MONEY_KEY_REQUIRED = "该业务涉及资金或股份划转，须使用 USB-KEY 签名提交。请先在国密证书管理中申领或补办证书。"


def submission_signed(*, user, content: dict, files=(), payload: str, require_key: bool = False) -> Signature:
    """The signature of this exact submission, verified and stored; raises SignatureRefused.

    Services that accept a signed submission call it themselves, inside their transaction and
    after taking the lock of the row they change, on the content they are about to write: a
    missing, stale or wrong signature is refused whatever called the service (page, API, command).
    """
    return submission_sign_verify(
        user=user, digest=submission_digest(content=content, files=files), payload=payload, require_key=require_key
    )


def submission_sign_verify(*, user, digest: str, payload: str, require_key: bool = False) -> Signature:
    """Check the key's signature over a submission and store it. Raises SignatureRefused.

    Users of institution kinds outside CSDP_KEY_REQUIRED_KINDS who have no key (depository staff,
    participants for now) get an unsigned record (method "none"), so their submissions still
    carry who sent what; once such a user enrols a key, a signature is required. ``require_key``
    (money-moving submissions, e.g. the lead underwriter's): no unsigned record, a key or a refusal.
    """
    key = active_key_of(user)
    if key is None:
        if require_key:
            raise SignatureRefused(MONEY_KEY_REQUIRED)
        if key_required_for(user):
            raise SignatureRefused(
                "未找到有效的 USB-KEY 证书，无法签名提交。请使用 USB-KEY 登录，或在国密证书管理中补办证书。"
            )
        return Signature.objects.create(
            user=user, institution=user.institution, method=Signature.Method.NONE, digest=digest, signed_at=clock_now()
        )
    try:
        checked = verify.payload_verify(user=user, digest=digest, payload=payload, purpose="sign")
    except verify.PayloadRefused as refused:
        raise SignatureRefused(refused.message) from None
    with transaction.atomic():
        return Signature.objects.create(
            user=user,
            institution=user.institution,
            method=Signature.Method.KEY,
            certificate=checked.certificate,
            digest=digest,
            nonce=checked.nonce,
            algorithm=checked.device.algorithm,
            kind=checked.device.kind,
            signature=checked.signature_der,
            authenticator_data=checked.authenticator_data,
            client_data_json=checked.client_data_json,
            signed_at=clock_now(),
        )
