"""Interest on frozen subscription money (seed 002 §5.2, §5.3), in exact integer fen.

The seed says the interest is returned but not how it is computed; the rate and the day count are
the application's (configurable, recorded with the refund), the period is [from, to) in calendar
days, and each order's interest is rounded half up to the fen on its own — the participant passes
each investor exactly what the refund file says (docs/ipo.md, "Failure and suspension")."""

from __future__ import annotations

from decimal import Decimal

import polars as pl

RATE_SCALE = 10**4  # the annual rate in percent carries at most four decimals: 0.3500 %
MAX_RATE = Decimal("10")  # percent; a typo guard, not a market rule
DAY_COUNTS = (360, 365)
MAX_DAYS = 3_660  # ten years: the bound under which the arithmetic below stays inside Int64


def rate_scaled(rate_percent: Decimal) -> int:
    """0.35 (%) → 3500. Refuses more than four decimals rather than rounding someone's rate."""
    scaled = rate_percent * RATE_SCALE
    if scaled != scaled.to_integral_value() or not 0 < rate_percent <= MAX_RATE:
        raise ValueError(f"年利率应大于 0、不超过 {MAX_RATE}%，最多四位小数：{rate_percent}")
    return int(scaled)


def interest_expr(principal: pl.Expr, *, rate_percent: Decimal, days: int, day_count: int) -> pl.Expr:
    """principal × rate × days / day_count, half up, without leaving Int64: with D = 100 × 10⁴ × day_count
    and k = rate_scaled × days, split principal = q·D + r, so interest = q·k + round(r·k / D);
    r·k < D·k stays far below 2⁶³ for any rate ≤ 10 % and period ≤ 10 years."""
    if day_count not in DAY_COUNTS:
        raise ValueError(f"计息基础应为 {DAY_COUNTS} 之一")
    if not 0 <= days <= MAX_DAYS:
        raise ValueError(f"计息天数应在 0 至 {MAX_DAYS} 之间")
    k = rate_scaled(rate_percent) * days
    denominator = 100 * RATE_SCALE * day_count
    quotient, remainder = principal // denominator, principal % denominator
    return quotient * k + (2 * remainder * k + denominator) // (2 * denominator)
