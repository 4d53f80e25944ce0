"""Fee computation: a pure function of one schedule version and a base value, and the lookup of the
version in force on a day. Nothing here writes."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from csdp.fees.models import FeeBase, FeeSchedule
from csdp.fees.money import FEN_PER_YUAN, PER_MILLE, fee_context, round_fen
from csdp.fees.states import FeeRefused

# 002 §2.2.3: the lead underwriter's non-trade transfer of shares bought back on the market to the
# investors who agreed to deferred delivery carries no transfer fee and no stamp tax. The caller
# names the reason; only the items it covers may be waived with it.
EXEMPTIONS: dict[str, frozenset[str]] = {
    "002 §2.2.3": frozenset({"non_trade_transfer", "stamp_tax"}),
}


@dataclass(frozen=True)
class FeeQuote:
    item: str
    name: str
    schedule: FeeSchedule
    base: str
    base_value: int
    rate: Decimal
    amount_fen: int
    exempt_reason: str = ""

    @property
    def is_example(self) -> bool:
        return self.schedule.is_example


def fee_amount_fen(*, base: str, rate: Decimal, base_value: int, minimum_fen: int, cap_fen: int | None) -> int:
    """The fee in fen: base × rate in one exact Decimal step, rounded half-up to the fen once, then
    held within [minimum, cap]. A zero base is no chargeable event: no fee, the minimum does not apply."""
    if isinstance(base_value, bool) or not isinstance(base_value, int) or base_value < 0:
        raise FeeRefused("计费基数须为非负整数。")
    if base_value == 0:
        return 0
    ctx = fee_context()
    value = Decimal(base_value)
    if base == FeeBase.SHARES:  # rate ‰ of the share count, in yuan
        raw = ctx.divide(ctx.multiply(ctx.multiply(value, rate), FEN_PER_YUAN), PER_MILLE)
    elif base == FeeBase.AMOUNT:  # rate ‰ of an amount already in fen
        raw = ctx.divide(ctx.multiply(value, rate), PER_MILLE)
    elif base == FeeBase.FIXED:  # rate yuan per item
        raw = ctx.multiply(ctx.multiply(value, rate), FEN_PER_YUAN)
    else:
        raise FeeRefused(f"未知的计费基数：{base}")
    amount = max(round_fen(raw), minimum_fen)
    return amount if cap_fen is None else min(amount, cap_fen)


def schedule_in_force(item: str, on: dt.date) -> FeeSchedule:
    row = FeeSchedule.objects.in_force(item, on).order_by("-effective_from", "-id").first()
    if row is None:
        # The item's name from any version of it (one may come into force later); its code when it has none.
        named = FeeSchedule.objects.filter(code=item).order_by("-effective_from").values_list("name", flat=True)
        raise FeeRefused(f"{on:%Y-%m-%d} 没有生效的收费标准：{named.first() or item}。")
    return row


def fee_compute(*, item: str, base_value: int, on: dt.date, exempt: str = "") -> FeeQuote:
    """Quote one fee item on a day from the schedule version in force that day."""
    row = schedule_in_force(item, on)
    if exempt:
        if item not in EXEMPTIONS.get(exempt, frozenset()):
            raise FeeRefused(f"免收依据“{exempt}”不适用于收费项目“{row.name}”。")
        if isinstance(base_value, bool) or not isinstance(base_value, int) or base_value < 0:
            raise FeeRefused("计费基数须为非负整数。")
        amount = 0
    else:
        amount = fee_amount_fen(
            base=row.base, rate=row.rate, base_value=base_value, minimum_fen=row.minimum_fen, cap_fen=row.cap_fen
        )
    return FeeQuote(
        item=item,
        name=row.name,
        schedule=row,
        base=row.base,
        base_value=base_value,
        rate=row.rate,
        amount_fen=amount,
        exempt_reason=exempt,
    )
