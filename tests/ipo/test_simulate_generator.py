"""The simulator's exchange file is written in chunks; the world it describes must not depend on the
chunk size, and must be the one the former whole-frame generator made for the same seed."""

import datetime as dt

import numpy as np
import polars as pl
import pytest

from csdp.ipo.sim import _participants, exchange_file_write, open_accounts
from csdp.securities.models import SecuritiesAccount


def _whole_frame_generator(*, orders, participants, cap, seed) -> pl.DataFrame:
    """The generator as it was before it was streamed (kept here as the reference)."""
    rng = np.random.default_rng(seed)
    at_cap = rng.random(orders) < 0.35
    sizes = np.clip(np.round(rng.lognormal(mean=9.0, sigma=1.6, size=orders) / 100) * 100, 100, cap).astype(np.int64)
    sizes = np.where(at_cap, cap, sizes)
    broken = rng.random(orders)
    sizes = np.where(broken < 0.001, sizes + 50, sizes)
    sizes = np.where((broken >= 0.001) & (broken < 0.003), cap + 100, sizes)
    weights = 1 / np.arange(1, len(participants) + 1) ** 0.9
    who = rng.choice(len(participants), size=orders, p=weights / weights.sum())
    accounts = 1_000_000_000 + rng.permutation(orders * 2)[:orders]
    duplicate = rng.random(orders) < 0.004
    accounts = np.where(duplicate, np.roll(accounts, 1), accounts)
    units = {p.code: sorted(p.custody_units.values_list("code", flat=True)) for p in participants}
    codes = np.array([p.code for p in participants])
    seconds = np.sort(rng.integers(0, 4 * 3600, size=orders))
    return (
        pl.DataFrame(
            {
                "seq": np.arange(1, orders + 1, dtype=np.int64),
                "account": [f"{a:010d}" for a in accounts],
                "participant": codes[who],
                "quantity": sizes,
                "_t": seconds,
            }
        )
        .with_columns(
            pl.col("participant").replace_strict({c: u[0] for c, u in units.items()}).alias("custody_unit"),
            pl.lit("14.04").alias("price"),
            pl.lit("").alias("investor_id"),
            (pl.lit(dt.datetime(2026, 3, 16, 9, 30)) + pl.duration(seconds=pl.col("_t")))
            .dt.strftime("%Y-%m-%dT%H:%M:%S")
            .alias("confirmed_at"),
        )
        .select("seq", "account", "participant", "custody_unit", "quantity", "price", "investor_id", "confirmed_at")
    )


@pytest.mark.django_db
def test_the_chunked_file_is_the_whole_frame_generators_file_byte_for_byte(tmp_path):
    profiles = _participants(5)
    whole = tmp_path / "whole.csv"
    _whole_frame_generator(orders=2_500, participants=profiles, cap=50_000, seed=11).write_csv(whole)
    for chunk_rows in (2_500, 1_000, 7):
        chunked = tmp_path / f"chunked{chunk_rows}.csv"
        exchange_file_write(chunked, orders=2_500, participants=profiles, cap=50_000, seed=11, chunk_rows=chunk_rows)
        assert chunked.read_bytes() == whole.read_bytes(), chunk_rows


@pytest.mark.django_db
def test_it_returns_the_accounts_written_in_the_file(tmp_path):
    path = tmp_path / "sg.csv"
    accounts = exchange_file_write(path, orders=300, participants=_participants(2), cap=50_000, seed=3, chunk_rows=64)
    written = pl.read_csv(path, schema_overrides={"account": pl.Utf8})["account"].to_list()
    assert [f"{a:010d}" for a in accounts] == written


@pytest.mark.django_db
def test_accounts_are_opened_once_in_chunks_and_a_second_call_opens_none(monkeypatch):
    monkeypatch.setattr("csdp.ipo.sim.world.ACCOUNT_CHUNK_ROWS", 4)
    numbers = np.array([1_000_000_009, 1_000_000_001, 1_000_000_005, 1_000_000_001, 1_000_000_003, 1_000_000_007])
    assert open_accounts(numbers) == 5
    assert open_accounts(numbers) == 0
    opened = SecuritiesAccount.objects.filter(number__startswith="10000000").select_related("investor")
    assert sorted(a.number for a in opened) == ["1000000001", "1000000003", "1000000005", "1000000007", "1000000009"]
    assert all(a.investor.ymt_number == "20" + a.number for a in opened)


@pytest.mark.django_db(transaction=True)
def test_an_eod_only_simulation_stops_settled_after_t1_with_every_invariant_kept():
    from csdp.ipo.sim import simulate

    result = simulate(orders=400, participants=3, seed=2, eod_only=True)
    assert result["status"] == "settled"
    assert [s["name"] for s in result["steps"]] == ["t_load", "t_eod", "t1_eod"]
    assert result["invariants_ok"], result["invariants"]
    assert "registered_and_listed" not in result["invariants"]
