"""The IPO simulator (`csdp ipo simulate`, the benches in bench/, the multi-process tests): a synthetic
offering driven through the production code paths. Not part of the production path: no module of
csdp.ipo outside this package imports it (an import-linter contract keeps it so).

    world.py     participants, the offering, accounts, funds, declarations, the remainder filing
    exchange.py  the synthetic exchange subscription file
    run.py       the timed run through T, T+1 and T+2 and its invariants
"""

from csdp.ipo.sim.exchange import GENERATOR_CHUNK_ROWS, _draw_orders, _exchange_chunk, exchange_file_write
from csdp.ipo.sim.run import _baseline_copy_once, _checkpoint, simulate
from csdp.ipo.sim.world import _at, _file_remainder, _fund, _new_offering, _participants, open_accounts

__all__ = [
    "GENERATOR_CHUNK_ROWS",
    "_at",
    "_baseline_copy_once",
    "_checkpoint",
    "_draw_orders",
    "_exchange_chunk",
    "_file_remainder",
    "_fund",
    "_new_offering",
    "_participants",
    "exchange_file_write",
    "open_accounts",
    "simulate",
]
