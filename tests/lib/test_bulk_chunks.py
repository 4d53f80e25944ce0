"""copy_in's CSV is produced a chunk ahead of PostgreSQL; the chunks together must be the frame."""

import datetime as dt
import io

import polars as pl
import pytest

from csdp.lib import bulk


@pytest.mark.parametrize("height", [1, 3, 4, 5, 9])
def test_the_chunks_together_are_the_whole_frame_in_order(monkeypatch, height):
    monkeypatch.setattr(bulk, "CHUNK_ROWS", 4)
    frame = pl.DataFrame({"seq": range(height), "at": [dt.datetime(2026, 3, 16, 9, 30)] * height}).with_columns(
        pl.col("at").dt.replace_time_zone("Asia/Shanghai")
    )
    whole = io.BytesIO()
    frame.write_csv(whole, include_header=False, datetime_format="%Y-%m-%dT%H:%M:%S%.f%z")
    chunks = [bulk._csv_bytes(piece) for piece in bulk._slices(frame)]
    assert len(chunks) == -(-height // 4)
    assert b"".join(chunks) == whole.getvalue()
