"""Check digits of Chinese identifiers, and the one spelling of a bank reference.

- 居民身份证号码: GB 11643-1999, 18 characters, ISO 7064 MOD 11-2 check character (0-9 or X).
- 统一社会信用代码: GB 32100-2015, 18 characters from a 31-character alphabet, MOD 31 check character.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata

_ID_WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
_ID_CHECK = "10X98765432"
_USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_USCC_WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28]
_USCC_RE = re.compile(r"^[0-9A-HJ-NPQRTUWXY]{2}\d{6}[0-9A-HJ-NPQRTUWXY]{10}$")


def resident_id_check_char(first17: str) -> str:
    return _ID_CHECK[sum(int(c) * w for c, w in zip(first17, _ID_WEIGHTS)) % 11]


def resident_id_problem(value: str) -> str | None:
    """None if ``value`` is a valid 18-digit 居民身份证号码, else a Chinese explanation."""
    value = (value or "").strip().upper()
    if not re.fullmatch(r"\d{17}[\dX]", value):
        return "居民身份证号码应为 18 位，前 17 位为数字，末位为数字或 X。"
    try:
        born = dt.date(int(value[6:10]), int(value[10:12]), int(value[12:14]))
    except ValueError:
        return "居民身份证号码中的出生日期无效。"
    if born.year < 1900 or born > dt.date.today():
        return "居民身份证号码中的出生日期无效。"
    if resident_id_check_char(value[:17]) != value[17]:
        return "居民身份证号码校验位不正确。"
    return None


def uscc_check_char(first17: str) -> str:
    total = sum(_USCC_ALPHABET.index(c) * w for c, w in zip(first17, _USCC_WEIGHTS))
    return _USCC_ALPHABET[(31 - total % 31) % 31]


def uscc_problem(value: str) -> str | None:
    """None if ``value`` is a valid 统一社会信用代码, else a Chinese explanation."""
    value = (value or "").strip().upper()
    if not _USCC_RE.fullmatch(value):
        return "统一社会信用代码应为 18 位数字或大写字母（不含 I、O、Z、S、V）。"
    if uscc_check_char(value[:17]) != value[17]:
        return "统一社会信用代码校验位不正确。"
    return None


def make_resident_id(first17: str) -> str:
    """Complete a 17-digit prefix with its check character (demo data and tests)."""
    return first17 + resident_id_check_char(first17)


def make_uscc(first17: str) -> str:
    return first17 + uscc_check_char(first17)


def bank_reference_normal(text: str) -> str:
    """The one spelling of a bank reference (银行流水号), used for every idempotency check by bank
    reference and stored so (dividend fundings, fee payments: each table's unique column and its check):
    full-width characters half-width (NFKC: ``ＩＣＢＣ００１`` typed on a Chinese keyboard is ``ICBC001``),
    spaces at either end dropped, upper case. ``icbc001`` and ``ICBC001`` are one payment."""
    return unicodedata.normalize("NFKC", text or "").strip().upper()
