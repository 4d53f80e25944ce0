"""Fee arithmetic: integer fen stored, Decimal computed (style habit 6).

Every fee is computed in one Decimal context of FEE_PRECISION significant digits and rounded
ROUND_HALF_UP to the fen exactly once, at the end; nothing in between is rounded.
"""

from __future__ import annotations

import decimal
from decimal import Decimal

FEE_PRECISION = 34  # significant digits: exact for any share count × rate the schedule can hold
FEN = Decimal(1)
FEN_PER_YUAN = Decimal(100)
PER_MILLE = Decimal(1000)


def fee_context() -> decimal.Context:
    return decimal.Context(prec=FEE_PRECISION, rounding=decimal.ROUND_HALF_UP)


def round_fen(value: Decimal) -> int:
    """Round a Decimal amount of fen half-up to a whole fen."""
    return int(value.quantize(FEN, rounding=decimal.ROUND_HALF_UP, context=fee_context()))


def yuan_to_fen(yuan: Decimal) -> int:
    """A Decimal yuan amount (at most two decimals, as entered on a form) → integer fen."""
    fen = yuan * FEN_PER_YUAN
    if fen != fen.to_integral_value():
        raise ValueError("金额最多保留两位小数（到分）。")
    return int(fen)


def fen_to_yuan(amount_fen: int) -> Decimal:
    return Decimal(int(amount_fen)) / FEN_PER_YUAN
