"""Money in words and figures for notices: integer fen in, text out (never through a float).

``rmb_upper`` writes an amount in Chinese financial capitals (人民币大写) as the People's Bank's rules
for filling in bills and settlement documents require: 零壹贰叁肆伍陆柒捌玖 with 拾佰仟万亿; one 零
for a run of zeros inside the number; "元整" when there are no 角 or 分, nothing after 角 or 分; a
zero 角 before a 分 written 零 (壹元零伍分). ``yuan_figures`` writes the same amount with thousands
separators (1,404.00). Template filters of the same names: csdp/portal/templatetags/money.py.
"""
from __future__ import annotations

DIGITS = "零壹贰叁肆伍陆柒捌玖"
SMALL_UNITS = ("", "拾", "佰", "仟")
GROUP_UNITS = ("", "万", "亿", "万亿")


def _group_upper(group: int) -> str:
    """1–9999 in capitals, zeros inside the group written as one 零."""
    text, zero = "", False
    for position in (3, 2, 1, 0):
        digit = group // 10 ** position % 10
        if digit == 0:
            zero = bool(text)
            continue
        if zero:
            text, zero = text + "零", False
        text += DIGITS[digit] + SMALL_UNITS[position]
    return text


def _integer_upper(number: int) -> str:
    groups = []
    while number:
        groups.append(number % 10_000)
        number //= 10_000
    if len(groups) > len(GROUP_UNITS):
        raise ValueError("金额过大，无法写成大写。")
    text, zero = "", False
    for index in range(len(groups) - 1, -1, -1):
        group = groups[index]
        if group == 0:
            zero = bool(text)
            continue
        if text and (zero or group < 1000):  # a zero between two groups, or the group starts with zeros
            text += "零"
        text, zero = text + _group_upper(group) + GROUP_UNITS[index], False
    return text


def rmb_upper(amount_fen: int) -> str:
    """1404_00 → 壹仟肆佰零肆元整; 1_05 → 壹元零伍分; 35 → 叁角伍分; 0 → 零元整."""
    amount_fen = int(amount_fen)
    if amount_fen < 0:
        return "负" + rmb_upper(-amount_fen)
    whole, jiao, fen = amount_fen // 100, amount_fen // 10 % 10, amount_fen % 10
    integer = _integer_upper(whole)
    if jiao == 0 and fen == 0:
        return (integer or "零") + "元整"
    text = integer + "元" if integer else ""
    if jiao:
        text += DIGITS[jiao] + "角"
    elif integer:
        text += "零"
    if fen:
        text += DIGITS[fen] + "分"
    return text


def yuan_figures(amount_fen: int) -> str:
    """140400 → "1,404.00": integer arithmetic, thousands separators, two decimals."""
    amount_fen = int(amount_fen)
    sign, amount_fen = ("-", -amount_fen) if amount_fen < 0 else ("", amount_fen)
    return f"{sign}{amount_fen // 100:,}.{amount_fen % 100:02d}"
