"""The BSE online-offering engine: pure functions from Polars tables to tables (no Django here).

    validate_orders(orders, initial_online_shares=M)          rules.md §1
    allocate(validated, online_shares=N); summarize(...)        rules.md §2
    invalidate_shortfall(...), invalidate_shortfall_day(...)    seed 002 §4.1.2, rules.md §3
    forfeit_invalid(allocated)                                  seed 002 §4.1.3

See docs/ipo-engine.md.
"""

from csdp.ipo.engine.allocation import (
    AllocationSummary,
    allocate,
    allocation_ratio,
    forfeit_invalid,
    summarize,
)
from csdp.ipo.engine.exact import EngineRangeError
from csdp.ipo.engine.shortfall import (
    REASON_DECLARED,
    REASON_SHORTFALL,
    DayOrdering,
    OfferingOrders,
    ShortfallOrdering,
    invalidate_shortfall,
    invalidate_shortfall_day,
    shortfall_by_participant,
    unmatched_declarations,
)
from csdp.ipo.engine.validity import (
    LOT_SHARES,
    ORDER_MAX_SHARES,
    REASON_CAP,
    REASON_DUPLICATE,
    REASON_MAX,
    REASON_UNIT,
    per_investor_cap,
    validate_orders,
)

__all__ = [
    "AllocationSummary",
    "DayOrdering",
    "EngineRangeError",
    "LOT_SHARES",
    "ORDER_MAX_SHARES",
    "OfferingOrders",
    "REASON_CAP",
    "REASON_DECLARED",
    "REASON_DUPLICATE",
    "REASON_MAX",
    "REASON_SHORTFALL",
    "REASON_UNIT",
    "ShortfallOrdering",
    "allocate",
    "allocation_ratio",
    "forfeit_invalid",
    "invalidate_shortfall",
    "invalidate_shortfall_day",
    "per_investor_cap",
    "shortfall_by_participant",
    "summarize",
    "unmatched_declarations",
    "validate_orders",
]
