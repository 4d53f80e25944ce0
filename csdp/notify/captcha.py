"""The image captcha of 口令登录 (# 000 §二(六): 输入用户名、密码和验证码) and of the other forms that
send an SMS code to an address typed by an anonymous visitor.

The answer lives in the session only as an HMAC with an expiry; it is removed at the first check,
right or wrong, so each image answers one attempt.
"""

from __future__ import annotations

import hashlib
import hmac
import io
import math
import random
import secrets
import time

from django.conf import settings
from PIL import Image, ImageDraw, ImageFilter, ImageFont

# Letters and digits a person cannot confuse: no 0/O/Q/D, 1/I/L, 2/Z, 5/S, 8/B, 6/G, U/V.
ALPHABET = "ACEFHJKMNPRTWXY3479"
LENGTHS = (4, 5)
TTL_S = 300
SESSION_KEY = "csdp_captcha"
SIZE = (170, 64)
_rng = random.SystemRandom()


def _digest(salt: str, answer: str) -> str:
    material = f"captcha\x1f{salt}\x1f{answer}".encode()
    return hmac.new(settings.SECRET_KEY.encode(), material, hashlib.sha256).hexdigest()


def _now() -> float:
    return time.time()


def captcha_store(session, answer: str) -> None:
    """Remember ``answer`` (hashed) as the session's one open captcha, replacing any earlier one."""
    salt = secrets.token_hex(8)
    session[SESSION_KEY] = {"salt": salt, "hash": _digest(salt, answer.upper()), "expires": _now() + TTL_S}


def captcha_new(request) -> bytes:
    """A fresh captcha for this session: returns the PNG, keeps only the hash of its answer."""
    answer = "".join(secrets.choice(ALPHABET) for _ in range(secrets.choice(LENGTHS)))
    captcha_store(request.session, answer)
    return captcha_png(answer)


def captcha_check(request, answer: str) -> bool:
    """True if ``answer`` matches the session's captcha (case-insensitive). Single use: the captcha
    is gone after this call whatever the result, and an expired one never matches."""
    entry = request.session.pop(SESSION_KEY, None)
    if not isinstance(entry, dict) or _now() > entry.get("expires", 0):
        return False
    candidate = _digest(entry["salt"], (answer or "").strip().upper())
    return hmac.compare_digest(candidate, entry["hash"])


def captcha_png(answer: str) -> bytes:
    width, height = SIZE
    image = Image.new("RGB", SIZE, (246, 246, 240))
    font = ImageFont.load_default(size=38)
    step = (width - 24) / len(answer)
    for index, char in enumerate(answer):
        glyph = _glyph(char, font)
        x = int(2 + step * index + _rng.uniform(-3, 3))
        y = int((height - glyph.height) / 2 + _rng.uniform(-6, 6))
        image.paste(glyph, (x, y), glyph)
    image = _wave(image)
    _noise(image)
    out = io.BytesIO()
    image.filter(ImageFilter.SMOOTH).save(out, format="PNG", optimize=True)
    return out.getvalue()


def _glyph(char: str, font) -> Image.Image:
    colour = (_rng.randint(10, 90), _rng.randint(10, 90), _rng.randint(60, 140), 255)
    layer = Image.new("RGBA", (48, 56), (0, 0, 0, 0))
    ImageDraw.Draw(layer).text((8, 2), char, font=font, fill=colour)
    return layer.rotate(_rng.uniform(-28, 28), resample=Image.BICUBIC, expand=True)


def _wave(image: Image.Image) -> Image.Image:
    """Shift each column vertically along a sine so the letters do not sit on one baseline."""
    width, height = image.size
    amplitude, period, phase = _rng.uniform(2.5, 4.5), _rng.uniform(30, 55), _rng.uniform(0, 2 * math.pi)
    out = Image.new("RGB", image.size, (246, 246, 240))
    for x in range(width):
        shift = int(amplitude * math.sin(2 * math.pi * x / period + phase))
        out.paste(image.crop((x, 0, x + 1, height)), (x, shift))
    return out


def _noise(image: Image.Image) -> None:
    width, height = image.size
    draw = ImageDraw.Draw(image)
    for _ in range(_rng.randint(4, 6)):
        colour = (_rng.randint(60, 180), _rng.randint(60, 180), _rng.randint(60, 180))
        start = (_rng.randint(0, width // 3), _rng.randint(0, height))
        end = (_rng.randint(2 * width // 3, width), _rng.randint(0, height))
        draw.line([start, end], fill=colour, width=_rng.randint(1, 2))
    for _ in range(width * height // 40):
        draw.point((_rng.randrange(width), _rng.randrange(height)), fill=(_rng.randint(80, 200),) * 3)
