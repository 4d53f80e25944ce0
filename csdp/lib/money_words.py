"""An amount in 人民币大写 (Chinese financial capitals) for printed notices and certificates:
140400 fen → "人民币壹仟肆佰零肆元整".

The conventions of the People's Bank's 《支付结算办法》 附件 (正确填写票据和结算凭证的基本规定):
amounts in 元 end with 整 when there is no 角/分, and with 整 after 角 when there is no 分; a zero
inside the number is written once as 零, also between 元 and 分 when 角 is zero ("壹元零伍分");
the largest unit is 亿 (万亿 for very large sums).
"""

from __future__ import annotations

DIGITS = "零壹贰叁肆伍陆柒捌玖"
SMALL_UNITS = ["", "拾", "佰", "仟"]
BIG_UNITS = ["", "万", "亿", "万亿"]


def _four(group: int) -> str:
    """0 < group < 10000 → its words, with inner zeros as one 零 and no trailing zeros."""
    out: list[str] = []
    zero = False
    for position in range(3, -1, -1):
        digit = group // 10**position % 10
        if digit == 0:
            zero = bool(out)
            continue
        if zero:
            out.append("零")
            zero = False
        out.append(DIGITS[digit] + SMALL_UNITS[position])
    return "".join(out)


def yuan_words(yuan: int) -> str:
    """A whole number of yuan in capitals, without 元 ("壹仟肆佰零肆")."""
    if yuan == 0:
        return "零"
    groups = []
    while yuan:
        groups.append(yuan % 10000)
        yuan //= 10000
    if len(groups) > len(BIG_UNITS):
        raise ValueError("amount too large for 人民币大写")
    out: list[str] = []
    pending_zero = False
    for index in range(len(groups) - 1, -1, -1):
        group = groups[index]
        if group == 0:
            pending_zero = bool(out)
            continue
        if out and (pending_zero or group < 1000):
            out.append("零")
        out.append(_four(group) + BIG_UNITS[index])
        pending_zero = False
    return "".join(out)


def fen_to_words(amount_fen: int, *, prefix: str = "人民币") -> str:
    """Integer fen → 人民币大写. Negative amounts are written with 负."""
    if not isinstance(amount_fen, int) or isinstance(amount_fen, bool):
        raise TypeError("amount_fen must be an int (fen)")
    sign = "负" if amount_fen < 0 else ""
    amount_fen = abs(amount_fen)
    yuan, jiao, fen = amount_fen // 100, amount_fen // 10 % 10, amount_fen % 10
    if amount_fen == 0:
        return f"{prefix}零元整"
    parts = []
    if yuan:
        parts.append(yuan_words(yuan) + "元")
    if jiao:
        parts.append(DIGITS[jiao] + "角")
    elif fen and yuan:
        parts.append("零")
    if fen:
        parts.append(DIGITS[fen] + "分")
    else:
        parts.append("整")
    return prefix + sign + "".join(parts)
