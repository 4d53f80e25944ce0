"""`csdp dividend compute` end to end, as an operator runs it (the installed script in a child process)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import polars as pl

CSDP = Path(sys.executable).with_name("csdp")


def run(tmp_path: Path, content: str, *rates: str, seed: str = "11") -> subprocess.CompletedProcess:
    (tmp_path / "h.csv").write_text(content, encoding="utf-8")
    return subprocess.run(
        [
            str(CSDP),
            "dividend",
            "compute",
            "--holders",
            str(tmp_path / "h.csv"),
            *rates,
            "--seed",
            seed,
            "--output",
            str(tmp_path / "out.csv"),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_it_writes_the_fixed_columns_and_prints_the_fixed_keys(tmp_path):
    done = run(
        tmp_path,
        "account,quantity\n0000000003,100\n0000000001,33\n0000000002,17\n",
        "--cash-per-10",
        "1.5",
        "--bonus-per-10",
        "3",
        "--transfer-per-10",
        "2",
    )
    assert done.returncode == 0, done.stderr
    summary = json.loads(done.stdout)
    assert {"holders", "total_quantity", "cash_total_fen", "bonus_total", "seconds"} <= set(summary)
    assert (summary["holders"], summary["total_quantity"], summary["cash_total_fen"]) == (3, 150, 2250)
    assert summary["bonus_total"] == 75 and summary["seed"] == 11
    out = pl.read_csv(tmp_path / "out.csv", schema_overrides={"account": pl.String})
    assert out.columns == ["account", "quantity", "cash_fen", "bonus_shares"]
    assert out["account"].to_list() == ["0000000003", "0000000001", "0000000002"]  # input order
    assert out["cash_fen"].to_list() == [1500, 495, 255]
    assert out["bonus_shares"].sum() == 75 and out["bonus_shares"][0] == 50


def test_every_rate_may_be_zero(tmp_path):
    done = run(tmp_path, "account,quantity\nA,10\n")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["cash_total_fen"] == 0 == json.loads(done.stdout)["bonus_total"]


def test_a_bad_file_lists_its_rows_and_leaves_no_output(tmp_path):
    done = run(tmp_path, "account,quantity\nA,10\nB,x\nA,5\nC,-1\n", "--cash-per-10", "1")
    assert done.returncode != 0
    assert "第3行" in done.stderr and "第4行" in done.stderr and "第5行" in done.stderr
    assert not (tmp_path / "out.csv").exists()


def test_a_rate_with_seven_decimals_is_refused(tmp_path):
    done = run(tmp_path, "account,quantity\nA,10\n", "--cash-per-10", "0.1234567")
    assert done.returncode != 0 and "6 位小数" in done.stderr


HOLDERS = "account,quantity\n0000000003,100\n0000000001,33\n0000000002,17\n"


def test_truncation_gives_each_holder_the_floor_and_never_more_than_declared(tmp_path):
    done = run(tmp_path, HOLDERS, "--cash-per-10", "1.234567", "--bonus-per-10", "3", "--method", "truncate")
    assert done.returncode == 0, done.stderr
    summary = json.loads(done.stdout)
    out = pl.read_csv(tmp_path / "out.csv", schema_overrides={"account": pl.String})
    quantities = out["quantity"].to_list()
    # exact: q × 1.234567 yuan / 10 = q × 12.34567 fen; q × 3 / 10 shares
    assert out["cash_fen"].to_list() == [q * 1_234_567 // 100_000 for q in quantities] == [1234, 407, 209]
    assert out["bonus_shares"].to_list() == [q * 3 // 10 for q in quantities] == [30, 9, 5]
    assert summary["method"] == "truncate"
    assert summary["cash_total_fen"] == 1850 < summary["cash_declared_fen"] == 150 * 1_234_567 // 100_000
    assert summary["bonus_total"] == 44 < summary["bonus_declared"] == 45


TIES = "account,quantity\n" + "".join(f"{n:010d},1\n" for n in range(1, 11))  # ten equal fractions: 0.3 each


def test_the_same_seed_writes_the_same_bytes_and_another_seed_may_break_ties_otherwise(tmp_path):
    outputs = {}
    for name, seed in (("a", "11"), ("b", "11"), ("c", "12"), ("d", "13")):
        (tmp_path / name).mkdir()
        done = run(tmp_path / name, TIES, "--bonus-per-10", "3", seed=seed)
        assert done.returncode == 0, done.stderr
        outputs[name] = (tmp_path / name / "out.csv").read_bytes()
    assert outputs["a"] == outputs["b"]
    winners = {}
    for name in "acd":
        out = pl.read_csv(outputs[name], schema_overrides={"account": pl.String})
        assert out["bonus_shares"].sum() == 3 and set(out["bonus_shares"]) <= {0, 1}
        winners[name] = frozenset(out.filter(pl.col("bonus_shares") == 1)["account"])
    assert len(set(winners.values())) > 1  # the three units went to other holders under another seed
