"""Time-based one-time passwords (RFC 6238 over RFC 4226): the staff's second factor where a staff
user holds no USB-KEY. HMAC-SHA1, 30-second steps, 6 digits — what every authenticator app reads
from an ``otpauth://`` URI. A code is accepted one step either side (clock drift) and never twice:
the caller keeps the last accepted step and passes it back."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import struct
import time
from urllib.parse import quote

STEP_S = 30
DIGITS = 6
DRIFT_STEPS = 1


def secret_new() -> str:
    """160 random bits in base32 (RFC 4226 §4 recommends ≥ 128, RFC 6238's reference uses 160)."""
    return base64.b32encode(secrets.token_bytes(20)).decode().rstrip("=")


def _key(secret: str) -> bytes:
    return base64.b32decode(secret + "=" * (-len(secret) % 8), casefold=True)


def code_at(secret: str, step: int) -> str:
    digest = hmac.new(_key(secret), struct.pack(">Q", step), hashlib.sha1).digest()
    offset = digest[-1] & 0x0F  # RFC 4226 §5.3 dynamic truncation
    number = struct.unpack(">I", digest[offset : offset + 4])[0] & 0x7FFFFFFF
    return str(number % 10**DIGITS).zfill(DIGITS)


def current_step(now_s: float | None = None) -> int:
    return int((time.time() if now_s is None else now_s) // STEP_S)


def code_check(secret: str, code: str, *, last_step: int | None, now_s: float | None = None) -> int | None:
    """The step the code belongs to, or None when it is wrong, too old, or already used."""
    code = (code or "").strip()
    if len(code) != DIGITS or not code.isdigit():
        return None
    step = current_step(now_s)
    for candidate in range(step - DRIFT_STEPS, step + DRIFT_STEPS + 1):
        if last_step is not None and candidate <= last_step:
            continue
        if hmac.compare_digest(code_at(secret, candidate), code):
            return candidate
    return None


def provisioning_uri(secret: str, *, account: str, issuer: str = "CSDP") -> str:
    return (
        f"otpauth://totp/{quote(issuer)}:{quote(account)}?secret={secret}&issuer={quote(issuer)}"
        f"&algorithm=SHA1&digits={DIGITS}&period={STEP_S}"
    )
