"""Distribution rates as exact integers (rules.md §12: per 10 shares, tax-inclusive, up to 6 decimals).

A rate "per 10 shares" is kept as an integer number of millionths (``micro``): 0.123456 yuan per 10
shares is 123456 micro-yuan. Nothing here is ever a float:

    cash on q shares, in fen   = q × cash_micro / 100 000        (÷10 shares, ×100 fen, ÷10⁶ micro)
    bonus on q shares, shares  = q × (bonus_micro + transfer_micro) / 10 000 000
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

MICRO = 10**6
CASH_DENOMINATOR = 100_000  # micro-yuan per 10 shares → fen per share
SHARE_DENOMINATOR = 10_000_000  # micro-shares per 10 shares → shares per share
MAX_DECIMALS = 6


class RateError(ValueError):
    """A rate that is not a non-negative decimal with at most six decimals."""


def micro_of(text: str | Decimal | int, *, what: str) -> int:
    """``"0.35"`` → 350000. Refuses floats, negatives, more than six decimals."""
    if isinstance(text, float):
        raise RateError(f"{what}不能是浮点数")
    try:
        value = Decimal(str(text).strip())
    except InvalidOperation:
        raise RateError(f"{what}应为数字（最多 {MAX_DECIMALS} 位小数），收到 {text!r}") from None
    if not value.is_finite() or value < 0:
        raise RateError(f"{what}应为非负数，收到 {text!r}")
    scaled = value * MICRO
    if scaled != scaled.to_integral_value():
        raise RateError(f"{what}最多 {MAX_DECIMALS} 位小数，收到 {text!r}")
    return int(scaled)


def micro_text(micro: int) -> str:
    """350000 → "0.35" (the plain decimal, for display and JSON)."""
    text = str(Decimal(micro) / MICRO)
    return text if "E" not in text else format(Decimal(micro) / MICRO, "f")


@dataclass(frozen=True)
class Rates:
    cash_micro: int = 0  # 每10股派现金（含税），micro-yuan
    bonus_micro: int = 0  # 每10股送股，micro-shares
    transfer_micro: int = 0  # 每10股转增，micro-shares

    @classmethod
    def parse(cls, cash: str = "0", bonus: str = "0", transfer: str = "0") -> Rates:
        return cls(
            micro_of(cash, what="每10股派现金"),
            micro_of(bonus, what="每10股送股"),
            micro_of(transfer, what="每10股转增"),
        )

    @property
    def shares_micro(self) -> int:
        """送股 and 转增 together: both are new shares credited to the same lots (assumption: one
        apportionment for the sum, as the CLI's ``bonus_shares`` = 送股 + 转增)."""
        return self.bonus_micro + self.transfer_micro

    def as_json(self) -> dict[str, str]:
        return {
            "cash_per_10": micro_text(self.cash_micro),
            "bonus_per_10": micro_text(self.bonus_micro),
            "transfer_per_10": micro_text(self.transfer_micro),
        }
