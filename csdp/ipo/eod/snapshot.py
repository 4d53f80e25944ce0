"""The exchange's rows of an offering as loaded, kept beside the database in a file the database names.

T EOD reads the million rows it clears, and T+1 EOD the same rows again with T's verdicts (a sparse join);
reading them back from PostgreSQL is most of both steps' time. No process may keep them in memory across
requests (several web processes and workers: issue 14), so the load writes them once to an Arrow IPC file
under storage, with a name no other load uses, and records the file's path and SHA-256 in the load step's
record, in the load's transaction. A reader takes the file only when that record, read from the database
now, names it and its bytes still hash to the recorded value; otherwise it reads the table. A load in
another process that replaces the rows replaces the record in the same transaction, so a reader never
takes rows the database no longer holds.
"""

from __future__ import annotations

import hashlib
import io
import uuid
from pathlib import Path

import polars as pl
from django.conf import settings

SUBSCRIPTION_SCHEMA = {
    "seq": pl.Int64,
    "account": pl.Utf8,
    "participant": pl.Utf8,
    "custody_unit": pl.Utf8,
    "quantity": pl.Int64,
    "investor_id": pl.Utf8,
}


def _root() -> Path:
    return Path(settings.CSDP_STORAGE_DIR) / "eod-snapshots" / "ipo"


def snapshot_write(offering_id: int, frame: pl.DataFrame) -> dict:
    """Write the loaded rows (SUBSCRIPTION_SCHEMA, ``quantity`` as ``quantity_shares`` accepted);
    returns the record to keep with the load: {"path", "sha256"}. A load that rolls back leaves an
    unnamed file behind, which no reader ever takes."""
    if "quantity_shares" in frame.columns:
        frame = frame.rename({"quantity_shares": "quantity"})
    rows = frame.select(
        [
            pl.col(name).cast(dtype).fill_null("") if dtype == pl.Utf8 else pl.col(name).cast(dtype)
            for name, dtype in SUBSCRIPTION_SCHEMA.items()
        ]
    )
    buffer = io.BytesIO()
    rows.write_ipc(buffer, compression="lz4")
    data = buffer.getvalue()
    relative = Path(str(offering_id)) / f"subscriptions-{uuid.uuid4().hex}.arrow"
    target = _root() / relative
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(data)
    return {"path": str(relative), "sha256": hashlib.sha256(data).hexdigest()}


def snapshot_read(record: dict | None) -> pl.DataFrame | None:
    """The rows a load recorded, or None (no record, file gone, or bytes not the recorded ones)."""
    if not record or "path" not in record or "sha256" not in record:
        return None
    path = _root() / record["path"]
    try:
        data = path.read_bytes()
    except OSError:
        return None
    if hashlib.sha256(data).hexdigest() != record["sha256"]:
        return None
    return pl.read_ipc(io.BytesIO(data))


def snapshot_remove(record: dict | None) -> None:
    """Remove the file of a load that another load replaced (after that load committed)."""
    if record and "path" in record:
        (_root() / record["path"]).unlink(missing_ok=True)
