"""The C kernel is optional: without it (no compiler at install) every participant file takes the
Polars reference path and comes out byte for byte the same (docs/performance.md, "The C kernel")."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys

import polars as pl

from csdp.ipo.eod import participant_files as files
from csdp.ipo.eod.layouts import LAYOUTS
from csdp.lib import dbf_matrix
from csdp.lib.dbf import Field
from csdp.lib.dbf_matrix import matrix_columns_checked, matrix_path_applies

DAY = dt.date(2026, 3, 17)
FRAME = pl.DataFrame(
    {
        "JSCY": ["K001", "K002", "K001"],
        "ZQDM": ["920001"] * 3,
        "XWDM": ["300001"] * 3,
        "GDDM": ["0300000001", "0300000002", "0300000003"],
        "SQBH": [1, 2, 3],
        "JDJE": [100, 2_000, 30_000],
        "RQ": [DAY] * 3,
    }
)


def _written(root):
    done = files._write_type(root, LAYOUTS["JDSJ"], FRAME, ["K001", "K002"], "920001", DAY)
    return {str(f.path.relative_to(root)): f.path.read_bytes() for f in done}


def test_without_the_kernel_the_reference_path_writes_the_same_files(tmp_path, monkeypatch):
    with_kernel = _written(tmp_path / "kernel")
    monkeypatch.setattr(dbf_matrix, "_fixedwidth", None)

    assert not matrix_path_applies((Field("T", "C", 6),), pl.DataFrame({"T": ["AB"]}))
    assert matrix_columns_checked((Field("T", "C", 6),), pl.DataFrame({"T": ["AB"]})) is None
    assert _written(tmp_path / "reference") == with_kernel and len(with_kernel) == 4  # DBF + CSV each


def test_the_kernel_can_be_switched_off_and_a_missing_one_is_not_an_error():
    code = (
        "import sys, builtins; real = builtins.__import__\n"
        "def no_kernel(name, *a, **k):\n"
        "    if name.endswith('_fixedwidth') or (a and a[2] and '_fixedwidth' in a[2]): raise ImportError(name)\n"
        "    return real(name, *a, **k)\n"
        "builtins.__import__ = no_kernel\n"
        "from csdp.lib import dbf_matrix; print(dbf_matrix._fixedwidth)"
    )
    missing = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    switched_off = subprocess.run(
        [sys.executable, "-c", "from csdp.lib import dbf_matrix; print(dbf_matrix._fixedwidth)"],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "CSDP_FIXEDWIDTH_KERNEL": "off"},
    )

    assert missing.stdout.strip() == "None" and switched_off.stdout.strip() == "None"
