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
