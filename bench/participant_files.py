"""The participant files of one SGQS-like frame (1M orders over 80 participants by default), written
by the Polars reference path and by the byte-matrix path, back to back, several times:

    DJANGO_SETTINGS_MODULE=csdp.settings.test .venv/bin/python bench/participant_files.py --rows 1000000 --repeat 3

Prints, per round, the seconds of each build stage single-threaded over every participant (old:
dbf_records, dbf_file_bytes, _csv_text, write_csv; new: record_pieces), then the whole `_write_type`
(2 writer threads, hashing and writing included) for each path, and checks the files are identical.
"""
from __future__ import annotations

import argparse
import datetime as dt
import io
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "csdp.settings.test")

DAY = dt.date(2026, 3, 16)


def sgqs_frame(rows: int, participants: int, seed: int = 7):
    import numpy as np
    import polars as pl

    rng = np.random.default_rng(seed)
    valid = rng.random(rows) > 0.007
    quantity = rng.integers(1, 10_000, rows) * 100
    return pl.DataFrame({
        "JLLX": np.where(valid, "A0", "A1"), "ZQDM": ["920001"] * rows,
        "JSCY": [f"K{p:03d}" for p in rng.integers(1, participants + 1, rows)],
        "XWDM": [f"{u:06d}" for u in rng.integers(300000, 300999, rows)],
        "GDDM": [f"{a:010d}" for a in rng.permutation(rows) + 300_000_000],
        "SQBH": np.arange(1, rows + 1), "SGSL": quantity, "SGJG": np.full(rows, 1404),
        "SGJE": np.where(valid, quantity * 1404, 0), "WXYY": np.where(valid, "", "01"),
    }).with_columns(pl.lit(DAY).alias("RQ"))


def stages(layout, frame, rows) -> dict[str, float]:
    import polars as pl

    from csdp.ipo.eod.participant_files import _csv_text
    from csdp.lib.dbf import dbf_file_bytes, dbf_records
    from csdp.lib.dbf_matrix import record_pieces

    parts = [frame.select(pl.all().gather(r)) for r in rows.values()]
    took = dict.fromkeys(["old dbf_records", "old dbf_file_bytes", "old _csv_text", "old write_csv", "new record_pieces"], 0.0)

    def timed(name, work):
        start = time.perf_counter()
        result = work()
        took[name] += time.perf_counter() - start
        return result

    for part in parts:
        records = timed("old dbf_records", lambda: dbf_records(layout.fields, part, checked=True, ascii_text=True))
        timed("old dbf_file_bytes", lambda: dbf_file_bytes(layout.fields, records, on=DAY, ascii_only=True))
        text = timed("old _csv_text", lambda: _csv_text(layout, part))
        timed("old write_csv", lambda: text.write_csv(io.BytesIO()))
        timed("new record_pieces", lambda: [record_pieces(layout.fields, part.slice(s, 16_384))
                                            for s in range(0, part.height, 16_384)])
    return took


def write_type(layout, frame, codes, *, matrix: bool) -> tuple[float, dict]:
    from csdp.ipo.eod import participant_files as files

    real = files.matrix_path_applies
    if not matrix:
        files.matrix_path_applies = lambda *args, **kwargs: False
    try:
        root = Path(tempfile.mkdtemp(prefix="csdp-bench-files-"))
        start = time.perf_counter()
        done = files._write_type(root, layout, frame, codes, "920001", DAY)
        seconds = time.perf_counter() - start
    finally:
        files.matrix_path_applies = real
    digests = {str(f.path.relative_to(root)): f.sha256 for f in done}
    for f in done:
        f.path.unlink()
    return seconds, digests


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--participants", type=int, default=80)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    import django

    django.setup()
    from csdp.ipo.eod.participant_files import _rows_by_participant
    from csdp.ipo.eod.layouts import LAYOUTS

    layout = LAYOUTS["SGQS"]
    frame = sgqs_frame(args.rows, args.participants).select([f.name for f in layout.fields])
    rows = _rows_by_participant(frame)
    codes = sorted(rows)
    print(f"{args.rows} rows, {len(codes)} participants; load {os.getloadavg()}")
    for round_ in range(1, args.repeat + 1):
        took = stages(layout, frame, rows)
        old_s, old_files = write_type(layout, frame, codes, matrix=False)
        new_s, new_files = write_type(layout, frame, codes, matrix=True)
        assert old_files == new_files, "the two paths wrote different files"
        print(f"round {round_}: " + ", ".join(f"{k} {v:.2f} s" for k, v in took.items())
              + f" | _write_type old {old_s:.2f} s, new {new_s:.2f} s ({old_s / new_s:.1f}x), {len(new_files)} files identical")
    print(f"peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB; load {os.getloadavg()}")


if __name__ == "__main__":
    main()
