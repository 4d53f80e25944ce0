"""人民币大写 for printed notices (csdp/lib/money_words.py), checked against worked examples of the
《支付结算办法》 rules and, for every amount, against a reading back of the words."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from csdp.lib.money_words import DIGITS, fen_to_words


@pytest.mark.parametrize(
    ("fen", "words"),
    [
        (0, "人民币零元整"),
        (1, "人民币壹分"),
        (10, "人民币壹角整"),
        (105, "人民币壹元零伍分"),
        (100, "人民币壹元整"),
        (140400, "人民币壹仟肆佰零肆元整"),
        (1_000_000, "人民币壹万元整"),
        (100_500_00, "人民币壹拾万零伍佰元整"),
        (1_409_50, "人民币壹仟肆佰零玖元伍角整"),
        (6_007_14, "人民币陆仟零柒元壹角肆分"),
        (107_000_53, "人民币壹拾万柒仟元伍角叁分"),
        (3_250_000_000_00, "人民币叁拾贰亿伍仟万元整"),
        (1_000_000_010_00, "人民币壹拾亿零壹拾元整"),
        (-2_00, "人民币负贰元整"),
    ],
)
def test_worked_examples(fen, words):
    assert fen_to_words(fen) == words


_VALUE = {d: i for i, d in enumerate(DIGITS)}
_SMALL = {"拾": 10, "佰": 100, "仟": 1000}
_BIG = {"万": 10**4, "亿": 10**8}


def _read_back(words: str) -> int:
    """Parse the capitals back to fen (an independent reading, not the writer run backwards)."""
    words = words.removeprefix("人民币")
    sign = -1 if words.startswith("负") else 1
    words = words.removeprefix("负").removesuffix("整")
    yuan_part, _, rest = words.partition("元") if "元" in words else ("", "", words)
    total, section, digit = 0, 0, 0
    for ch in yuan_part:
        if ch in _VALUE:
            digit = _VALUE[ch]
        elif ch in _SMALL:
            section += digit * _SMALL[ch]
            digit = 0
        elif ch in _BIG:
            section += digit
            total = (total + section) * _BIG[ch] if ch == "亿" else total + section * _BIG[ch]
            section, digit = 0, 0
    yuan = total + section + digit
    jiao = fen = 0
    rest = rest.replace("零", "")
    if "角" in rest:
        jiao = _VALUE[rest[rest.index("角") - 1]]
    if "分" in rest:
        fen = _VALUE[rest[rest.index("分") - 1]]
    return sign * (yuan * 100 + jiao * 10 + fen)


@given(st.integers(min_value=0, max_value=10**14 - 1))
def test_the_words_read_back_to_the_amount(fen):
    words = fen_to_words(fen)
    assert _read_back(words) == fen
    assert "零零" not in words and not words.removeprefix("人民币").startswith("零") or fen == 0
    assert words.endswith(("整", "分"))


def test_only_integer_fen_is_accepted():
    with pytest.raises(TypeError):
        fen_to_words(1.5)
