"""The greenshoe's data files to clearing participants (002 §2.2; layouts CPDJ and CPGH in
csdp/ipo/eod/layouts.py, documented in docs/interfaces.md). Each file is rebuilt from every registered
filing of its kind whenever one is registered, so a participant always has the whole picture and a
rerun writes the same bytes."""

from __future__ import annotations

import polars as pl

from csdp.clock.services import business_today
from csdp.greenshoe.models import FilingKind, FilingRow, FilingStatus, SpecialAccount
from csdp.ipo.eod.participant_files import publish
from csdp.securities.models import CustodyUnit

FILE_TYPES = {FilingKind.ISSUANCE: "CPDJ", FilingKind.TRANSFER: "CPGH"}


def greenshoe_frames(option) -> tuple[dict[str, pl.DataFrame], dict[str, int]]:
    """CPDJ (additional issuance registered) and CPGH (non-trade transfers from the special account), and
    the participants they go to: the owners of the rows' custody units."""
    code = option.offering.code
    special = SpecialAccount.objects.filter(underwriter=option.offering.underwriter).select_related("account").first()
    frames, units = {}, set()
    for kind, file_type in FILE_TYPES.items():
        registered = FilingRow.objects.filter(
            filing__option=option, filing__kind=kind, filing__status=FilingStatus.REGISTERED
        )
        rows = list(
            registered.order_by("filing_id", "line").values_list(
                "custody_unit", "account__number", "shares", "filing_id", "line"
            )
        )
        if not rows:
            continue
        units |= {r[0] for r in rows}
        frame = pl.DataFrame(
            rows,
            schema={"XWDM": pl.Utf8, "GDDM": pl.Utf8, "SL": pl.Int64, "filing": pl.Int64, "line": pl.Int64},
            orient="row",
        )
        frames[file_type] = frame
    unit_rows = list(
        CustodyUnit.objects.filter(code__in=units).values_list("code", "participant__code", "participant_id")
    )
    owners = {unit: code for unit, code, _ in unit_rows}
    participants = {code: pk for _, code, pk in unit_rows}
    day = business_today()
    out = {}
    for file_type, frame in frames.items():
        frame = frame.with_columns(
            pl.col("XWDM").replace_strict(owners).alias("JSCY"), pl.lit(code).alias("ZQDM"), pl.lit(day).alias("RQ")
        )
        if file_type == "CPDJ":
            out[file_type] = frame.with_columns(pl.lit("00").alias("GFXZ"), pl.col("SL").alias("DJSL"))
        else:
            out[file_type] = frame.with_columns(
                pl.lit(special.account.number if special else "").alias("ZCZH"), pl.col("SL").alias("GHSL")
            )
    return out, participants


def filing_files_publish(option) -> int:
    """Caller: filing_register, in its transaction, after the filing became 已登记."""
    frames, participants = greenshoe_frames(option)
    if not frames:
        return 0
    return publish(option.offering, frames, business_today(), participants)
