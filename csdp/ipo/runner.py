"""The thin runner around the engine (../shared/style.md habit 10): load, call, write."""

from __future__ import annotations

import json
from dataclasses import asdict
from decimal import Decimal
from pathlib import Path

from csdp.ipo.allocate_csv import read_subscriptions, write_allocation
from csdp.ipo.engine import AllocationSummary, allocate, summarize, validate_orders


def allocate_file(
    *, subscriptions: Path | str, online_shares: int, initial_online_shares: int, output: Path | str
) -> AllocationSummary:
    """Validate and allocate one offering's subscription CSV; write the allocation CSV."""
    orders = read_subscriptions(subscriptions)
    allocated = allocate(
        validate_orders(orders, initial_online_shares=initial_online_shares), online_shares=online_shares
    )
    write_allocation(allocated, output)
    return summarize(allocated, online_shares=online_shares)


def _json_value(value) -> str:
    # A Decimal is written as a JSON number with every digit it has (never through a binary float).
    if isinstance(value, Decimal):
        return format(value, "f")
    return json.dumps(value)


def summary_json(summary: AllocationSummary) -> str:
    """One JSON object, keys in the dataclass order plus ``oversubscribed``."""
    fields = {**asdict(summary), "oversubscribed": summary.oversubscribed}
    return "{" + ", ".join(f"{json.dumps(key)}: {_json_value(value)}" for key, value in fields.items()) + "}"
