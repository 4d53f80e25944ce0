"""Signing the issuer's submissions with the USB-KEY (seed 000: every business submission is
signed; the keys app does the cryptography — csdp.keys.signing).

A signed page is a two-step form: the first POST validates and shows a confirmation page holding
the same values in hidden fields, the digest of the submission and a fresh challenge; the browser's
key signs on 确认提交, and the second POST re-validates and hands the posted signature to the service,
which recomputes the digest from what it is about to write and verifies the signature inside its
transaction (`issuer_submission_signed`): a direct call without a valid signature is refused.
Sessions without a U盾 (the limited 口令 scopes of 经办人信息维护) submit without a signature.
"""

from __future__ import annotations

import datetime as dt

from csdp.keys.selectors import certificate_login_required
from csdp.keys.signing import SignatureRefused, signing_context, submission_digest, submission_signed


def key_session(request) -> bool:
    return certificate_login_required(request)


def _plain(value):
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


def submission_content(kind: str, values: dict) -> dict:
    """What is signed: the kind of submission and every value, in a JSON-able form."""
    return {"kind": kind, **{k: _plain(v) for k, v in sorted(values.items()) if not k.endswith("_again")}}


def digest_of(kind: str, values: dict, files: list) -> str:
    return submission_digest(content=submission_content(kind, values), files=tuple(files))


def signing_for(request, kind: str, values: dict, files: list) -> dict:
    return signing_context(user=request.user, digest=digest_of(kind, values, files))


def issuer_submission_signed(*, user, kind: str, values: dict, files: list, payload: str | None):
    """The Signature of this exact submission; SignatureRefused when missing, stale or wrong. Called by
    the services under their lock, on the values and files they write."""
    if not payload:
        raise SignatureRefused("请使用 USB-KEY 签名后提交。")
    return submission_signed(user=user, content=submission_content(kind, values), files=tuple(files), payload=payload)
