"""Signing the issuer's submissions with the USB-KEY (seed 000: every business submission is
signed; the keys app does the cryptography — csdp.keys.signing).

A signed page is a two-step form: the first POST validates and shows a confirmation page holding
the same values in hidden fields, the digest of the submission and a fresh challenge; the browser's
key signs on 确认提交, and the second POST re-validates, recomputes the digest from what was posted
and verifies the signature before anything is written. Sessions without a U盾 (the limited 口令
scopes of 经办人信息维护) submit without a signature.
"""

from __future__ import annotations

import datetime as dt

from csdp.issuers.services.common import IssuerRefused


def key_session(request) -> bool:
    from csdp.keys.selectors import certificate_login_required

    return certificate_login_required(request)


def _plain(value):
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


def submission_content(kind: str, cleaned: dict) -> dict:
    """What is signed: the kind of submission and every cleaned value, in a JSON-able form."""
    return {"kind": kind, **{k: _plain(v) for k, v in sorted(cleaned.items()) if not k.endswith("_again")}}


def digest_of(kind: str, cleaned: dict, files: list) -> str:
    from csdp.keys.signing import submission_digest

    return submission_digest(content=submission_content(kind, cleaned), files=tuple(files))


def signing_for(request, kind: str, cleaned: dict, files: list) -> dict:
    from csdp.keys.signing import signing_context

    return signing_context(user=request.user, digest=digest_of(kind, cleaned, files))


def signature_verify(request, kind: str, cleaned: dict, files: list):
    """The Signature of this exact submission, or IssuerRefused (missing, stale or wrong)."""
    from csdp.keys.signing import SignatureRefused, submission_sign_verify

    payload = request.POST.get("key_signature", "")
    if not payload:
        raise IssuerRefused("请使用 USB-KEY 签名后提交。")
    try:
        return submission_sign_verify(user=request.user, digest=digest_of(kind, cleaned, files), payload=payload)
    except SignatureRefused as refused:
        raise IssuerRefused(refused.message) from None
