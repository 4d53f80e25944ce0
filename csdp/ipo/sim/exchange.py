"""The synthetic exchange subscription file: heavy-tailed order sizes drawn in chunks, written as the
exchange's CSV (csdp/ipo/subscription/exchange_subscriptions.py reads it)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import polars as pl

from csdp.securities.models import ParticipantProfile

GENERATOR_CHUNK_ROWS = 1_000_000


def _draw_orders(*, orders: int, participants: int, cap: int, seed: int) -> dict[str, np.ndarray]:
    """The random numbers of the synthetic book, drawn whole and in the same order as ever (a seed
    gives the same world). About 40 bytes per order; the text of the file is built later, in chunks."""
    rng = np.random.default_rng(seed)
    at_cap = rng.random(orders) < 0.35
    sizes = np.clip(np.round(rng.lognormal(mean=9.0, sigma=1.6, size=orders) / 100) * 100, 100, cap).astype(np.int64)
    sizes = np.where(at_cap, cap, sizes)
    del at_cap
    broken = rng.random(orders)
    sizes = np.where(broken < 0.001, sizes + 50, sizes)  # not a multiple of 100
    sizes = np.where((broken >= 0.001) & (broken < 0.003), cap + 100, sizes)  # above the cap
    del broken
    weights = 1 / np.arange(1, participants + 1) ** 0.9
    who = rng.choice(participants, size=orders, p=weights / weights.sum()).astype(np.int32)
    accounts = 1_000_000_000 + rng.permutation(orders * 2)[:orders]  # a copy: the other half is freed
    duplicate = rng.random(orders) < 0.004  # the same account again: only the first order counts
    accounts = np.where(duplicate, np.roll(accounts, 1), accounts)
    del duplicate
    seconds = np.sort(rng.integers(0, 4 * 3600, size=orders))
    return {"quantity": sizes, "who": who, "account": accounts, "seconds": seconds}


def _exchange_chunk(
    draws: dict[str, np.ndarray], rows: slice, *, codes: np.ndarray, units: dict[str, str]
) -> pl.DataFrame:
    start = rows.start
    return (
        pl.DataFrame(
            {
                "seq": np.arange(start + 1, start + len(draws["quantity"][rows]) + 1, dtype=np.int64),
                "account": pl.Series(draws["account"][rows]).cast(pl.Utf8).str.zfill(10),
                "participant": codes[draws["who"][rows]],
                "quantity": draws["quantity"][rows],
                "_t": draws["seconds"][rows],
            }
        )
        .with_columns(
            pl.col("participant").replace_strict(units).alias("custody_unit"),
            pl.lit("14.04").alias("price"),
            pl.lit("").alias("investor_id"),
            (pl.lit(dt.datetime(2026, 3, 16, 9, 30)) + pl.duration(seconds=pl.col("_t")))
            .dt.strftime("%Y-%m-%dT%H:%M:%S")
            .alias("confirmed_at"),
        )
        .select("seq", "account", "participant", "custody_unit", "quantity", "price", "investor_id", "confirmed_at")
    )


def exchange_file_write(
    path: Path,
    *,
    orders: int,
    participants: list[ParticipantProfile],
    cap: int,
    seed: int,
    chunk_rows: int = GENERATOR_CHUNK_ROWS,
) -> np.ndarray:
    """Write the synthetic exchange file (docs/interfaces.md §1) and return the orders' account numbers.
    The text is built and appended a chunk at a time: as one frame it costs about 1 GB per million
    orders, which a 15M book (the largest A-share IPOs) could not afford next to the end of day."""
    draws = _draw_orders(orders=orders, participants=len(participants), cap=cap, seed=seed)
    units = {p.code: sorted(p.custody_units.values_list("code", flat=True))[0] for p in participants}
    codes = np.array([p.code for p in participants])
    with open(path, "wb") as out:
        for start in range(0, orders, chunk_rows):
            chunk = _exchange_chunk(draws, slice(start, min(start + chunk_rows, orders)), codes=codes, units=units)
            chunk.write_csv(out, include_header=start == 0)
    return draws["account"]
