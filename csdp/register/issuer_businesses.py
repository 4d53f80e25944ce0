"""The issuer's businesses on the register (seed 000 §一(四); rules.md §11): 01 股份初始登记, 02 新增股份登记,
03 股份解除限售登记, 04 股份限售登记, 06 退出登记.

The path of each (docs/register.md): the issuer files the counter application with the data sheet
(csdp.register.counter_types) → every row is checked against the securities master and the register
(``business_problems``, all problems at once) → an operator accepts it, which prepares the effect as a
four-eyes approval (csdp.approvals, kind ``register.issuer_business``) → a different reviewer approves
→ ``business_apply`` writes the effect on its effective date as register events with idempotency keys
(one bulk transaction: capital and invariants checked before commit, csdp.register.capital), records
the audit event, writes the participants' holding-change files and attaches the result to the
application. 05 权益分派 plugs in the same way from its own app (a kind of its own, events through
``register_apply_bulk``, the as-of roster of csdp.register.roster).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import polars as pl
from django.db import transaction

from csdp.audit.services import audit_record
from csdp.counter.models import Application
from csdp.lib.bulk import copy_in, copy_out
from csdp.lib.errors import CsdpError, Problem
from csdp.register.capital import register_check
from csdp.register.issuer_sheet import COLUMNS, SheetRow
from csdp.register.models import EventType, Position, ShareNature
from csdp.register.roster import roster_as_of, roster_xlsx
from csdp.securities.models import AccountStatus, Security, SecurityStatus
from csdp.securities.services import security_status_change

KIND = "register.issuer_business"
CLOSED = {SecurityStatus.SWITCHED, SecurityStatus.DELISTED}


class IssuerBusinessError(CsdpError):
    code = "register.issuer_business"


@dataclass(frozen=True)
class Business:
    code: str  # the counter's 业务代码
    label: str
    event_type: str | None  # None: no events (06)
    declared_label: str  # the form's total, checked against Σ rows


INITIAL = Business("01", "股份初始登记", EventType.INITIAL.value, "登记股本总额（股）")
NEW_SHARES = Business("02", "新增股份登记", EventType.NEW_SHARES.value, "本次新增股份合计（股）")
RELEASE = Business("03", "股份解除限售登记", EventType.RELEASE.value, "本次解除限售股份合计（股）")
RESTRICT = Business("04", "股份限售登记", EventType.RESTRICT.value, "本次限售股份合计（股）")
EXIT = Business("06", "退出登记", None, "")
BUSINESSES = {b.code: b for b in (INITIAL, NEW_SHARES, RELEASE, RESTRICT, EXIT)}
WITH_ROWS = (INITIAL, NEW_SHARES, RELEASE, RESTRICT)
AccountRow = tuple[int, str, str, str, str]  # (id, status, name, id_type, id_number) of a securities account


KNOWN_SCHEMA = {
    "account": pl.Utf8,
    "account_id": pl.Int64,
    "status": pl.Utf8,
    "a_name": pl.Utf8,
    "a_id_type": pl.Utf8,
    "a_id_number": pl.Utf8,
    # the custodian, for the participants' files (csdp.register.holding_files): null without one
    "unit_code": pl.Utf8,
    "participant_code": pl.Utf8,
    "participant_id": pl.Int64,
}
SHEET_SCHEMA = {
    "row": pl.Int64,
    "account": pl.Utf8,
    "name": pl.Utf8,
    "id_type": pl.Utf8,
    "id_number": pl.Utf8,
    "quantity": pl.Int64,
    "share_nature": pl.Utf8,
    "lockup_end": pl.Utf8,
}


_ACCOUNTS_SQL = (
    "SELECT a.number, a.id, a.status, i.name, i.id_type, i.id_number, u.code, pp.code, pp.id "
    "FROM securities_securitiesaccount a {stage}JOIN securities_investor i ON i.id = a.investor_id "
    "LEFT JOIN securities_custodyunit u ON u.id = a.custody_unit_id "
    "LEFT JOIN securities_participantprofile pp ON pp.id = u.participant_id"
)


def _accounts_frame(numbers: pl.Series) -> pl.DataFrame:
    """The accounts named (KNOWN_SCHEMA: number, id, status, name, ID type and number, custodian), in
    one query; kept as a frame, as the sheet's checks and events join it. PostgreSQL takes the numbers
    as one array (100k: 0.63 s against 0.85 s through a staged table); SQLite from a staged table. (An
    account number is 10 letters or digits: the sheet refuses anything else, so no comma splits one.)"""
    from django.db import connection

    numbers = numbers.unique()
    if numbers.len() == 0:
        return pl.DataFrame(schema=KNOWN_SCHEMA)
    if connection.vendor == "postgresql":
        # one text split by the server: psycopg would dump a 100k-element list value by value (~0.3 s)
        return copy_out(
            _ACCOUNTS_SQL.format(stage="") + " WHERE a.number = ANY(string_to_array(%s, ','))",
            [",".join(numbers.to_list())],
            KNOWN_SCHEMA,
        )
    stage = "register_sheet_accounts"
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {stage}")
        cursor.execute(f"CREATE TEMPORARY TABLE {stage} (number VARCHAR(10) PRIMARY KEY)")
        copy_in(stage, ("number",), numbers.alias("number").to_frame())
        frame = copy_out(_ACCOUNTS_SQL.format(stage=f"JOIN {stage} s ON s.number = a.number "), [], KNOWN_SCHEMA)
        cursor.execute(f"DROP TABLE {stage}")
    return frame


def _accounts_of(known: pl.DataFrame) -> dict[str, AccountRow]:
    """number → (id, status, name, id_type, id_number), for the row-by-row wording of problems."""
    return {row[0]: row[1:6] for row in known.iter_rows()}


def _sheet_frame(rows: list[list[Any]]) -> pl.DataFrame:
    """The sheet's rows in their JSON form (SheetRow.as_json, as the payload keeps them) as one frame."""
    return pl.DataFrame(rows, schema=SHEET_SCHEMA, orient="row").with_columns(
        pl.col("lockup_end").str.to_date("%Y-%m-%d")
    )


def _all_rows_clean(
    business: Business,
    security: Security,
    sheet: pl.DataFrame,
    known: pl.DataFrame,
    effective: dt.date,
    *,
    check_held: bool = True,
) -> bool:
    """The row checks of ``business_problems`` as joins over the whole sheet: True when no row has a
    problem (the usual case, and the one of a large file), so that only a sheet with problems is walked
    row by row to word each of them."""
    joined = sheet.join(known, on="account", how="left")
    restricted = pl.col("share_nature") != ShareNature.UNRESTRICTED.value
    bad = (
        pl.col("account_id").is_null()
        | (pl.col("name") != pl.col("a_name"))
        | (pl.col("id_type") != pl.col("a_id_type"))
        | (pl.col("id_number") != pl.col("a_id_number"))
        | (pl.col("status") == AccountStatus.CLOSED.value)
        | pl.struct("account", "share_nature", "lockup_end").is_duplicated()
    )
    if business in (RELEASE, RESTRICT):
        bad = bad | ~restricted
    if business is not RELEASE:
        bad = bad | (restricted & (pl.col("lockup_end") <= effective))
    if joined.filter(bad).height:
        return False
    if business not in (RELEASE, RESTRICT) or not check_held:
        return True
    if business is RELEASE:  # the shares leave the lot named in the row; a lock-up takes them from 00
        source = joined.select("account_id", "share_nature", "lockup_end", "quantity")
    else:
        source = joined.select(
            "account_id",
            pl.lit("00").alias("share_nature"),
            pl.lit(None, dtype=pl.Date).alias("lockup_end"),
            "quantity",
        )
    wanted = source.group_by("account_id", "share_nature", "lockup_end").agg(pl.col("quantity").sum())
    held = _lots_frame(security, ["05", "06"] if business is RELEASE else ["00"])
    short = wanted.join(held, on=["account_id", "share_nature", "lockup_end"], how="left", nulls_equal=True).filter(
        pl.col("held").fill_null(0) < pl.col("quantity")
    )
    return short.height == 0


def _lots_frame(security: Security, natures: list[str]) -> pl.DataFrame:
    return copy_out(
        f"SELECT account_id, share_nature, lockup_end, quantity FROM register_position "
        f"WHERE security_id = %s AND quantity > 0 AND share_nature IN ({', '.join(['%s'] * len(natures))})",
        [security.pk, *natures],
        {"account_id": pl.Int64, "share_nature": pl.Utf8, "lockup_end": pl.Date, "held": pl.Int64},
    )


def _lots(security: Security, natures: list[str]) -> dict[tuple[int, str, dt.date | None], int]:
    """(account_id, nature, lockup_end) → quantity of the security's lots of these natures, in one query."""
    return {(a, n, e): q for a, n, e, q in _lots_frame(security, natures).iter_rows()}


def _security_problems(business: Business, security: Security | None, code: str) -> list[Problem]:
    if security is None:
        return [Problem(f"证券代码 {code} 不在证券登记簿的证券信息中，请先办理证券信息登记。")]
    if security.status in CLOSED:
        # the label says it ("已退出登记", "已转换代码"): no "已" of ours before it
        return [Problem(f"证券 {code} {SecurityStatus(security.status).label}，不能再办理登记业务。")]
    has_holders = Position.objects.filter(security=security, quantity__gt=0).exists()
    if business is INITIAL and (has_holders or security.issued_shares is not None):
        return [Problem(f"证券 {code} 已办理股份初始登记，新增股份请申报新增股份登记。")]
    if business is not INITIAL and security.issued_shares is None:
        return [Problem(f"证券 {code} 尚未办理股份初始登记。")]
    return []


def business_problems(
    *,
    business: Business,
    code: str,
    rows: list[SheetRow] | None,
    effective_date: dt.date,
    declared: int | None,
    sheet: pl.DataFrame | None = None,
    known: pl.DataFrame | None = None,
    check_held: bool = True,
) -> list[Problem]:
    """Every problem of a filing against the securities master and the register, at once. ``sheet``
    and ``known``: the rows as ``_sheet_frame`` and their accounts as ``_accounts_frame`` read them, when
    the caller has them already; ``rows`` may then be None (they are made from ``sheet`` only when a
    problem has to be worded row by row). ``check_held``: whether a 03/04's source lots are checked to hold
    the shares (the effect leaves it to the register's bulk path)."""
    security = Security.objects.filter(code=code).first()
    problems = _security_problems(business, security, code)
    if problems or business is EXIT or security is None:  # (no security: there is a problem)
        return problems
    if sheet is None:
        assert rows is not None, "business_problems needs the rows or their frame"
        sheet = _sheet_frame([r.as_json() for r in rows])
    known = _accounts_frame(sheet["account"]) if known is None else known
    if _all_rows_clean(business, security, sheet, known, effective_date, check_held=check_held):
        return _declared_problems(business, int(sheet["quantity"].sum()), declared)
    accounts = _accounts_of(known)
    if rows is None:  # SHEET_SCHEMA's columns are SheetRow's fields, in order
        rows = [SheetRow(*values) for values in sheet.iter_rows()]
    seen: dict[tuple[str, str, dt.date | None], int] = {}
    wanted: dict[tuple[int, str, dt.date | None], int] = defaultdict(
        int
    )  # the source lot of a nature change → shares asked for
    for r in rows:
        found = accounts.get(r.account)
        if found is None:
            problems.append(Problem(f"证券账户 {r.account} 未在本公司开立。", field=COLUMNS[0], row=r.row))
            continue
        account_id, status, name, id_type, id_number = found
        if (name, id_type, id_number) != (r.name, r.id_type, r.id_number):
            problems.append(
                Problem(
                    f"证券账户 {r.account} 的持有人名称、证件类型或证件号码与账户资料不符。",
                    field=COLUMNS[3],
                    row=r.row,
                )
            )
        if status == AccountStatus.CLOSED:
            problems.append(Problem(f"证券账户 {r.account} 已注销。", field=COLUMNS[0], row=r.row))
        lot = (r.account, r.share_nature, r.lockup_end)
        if lot in seen:
            problems.append(Problem(f"与第 {seen[lot]} 行为同一持有明细，请合并为一行。", row=r.row))
        seen.setdefault(lot, r.row)
        restricted = r.share_nature != ShareNature.UNRESTRICTED
        if business in (RELEASE, RESTRICT) and not restricted:
            problems.append(Problem("解除限售或限售登记的股份性质应为 05 或 06。", field=COLUMNS[5], row=r.row))
        # (a restricted row always has its lock-up end: the sheet refuses one without)
        if restricted and business is not RELEASE and r.lockup_end is not None and r.lockup_end <= effective_date:
            problems.append(
                Problem(f"限售截止日 {r.lockup_end} 应晚于生效日 {effective_date}。", field=COLUMNS[6], row=r.row)
            )
        source = (account_id, r.share_nature, r.lockup_end) if business is RELEASE else (account_id, "00", None)
        wanted[source] += r.quantity
    if business in (RELEASE, RESTRICT) and not problems and check_held:
        held = _lots(security, ["05", "06"] if business is RELEASE else ["00"])
        numbers = {found[0]: number for number, found in accounts.items()}
        for (account_id, nature, end), shares in sorted(wanted.items(), key=lambda x: (x[0][0], x[0][1])):
            have = held.get((account_id, nature, end), 0)
            if have < shares:
                what = "无限售流通股" if nature == "00" else f"股份性质 {nature}、限售截止日 {end} 的股份"
                problems.append(
                    Problem(f"证券账户 {numbers[account_id]} 持有{what} {have:,} 股，少于申报的 {shares:,} 股。")
                )
    return problems + _declared_problems(business, sum(r.quantity for r in rows), declared)


def _declared_problems(business: Business, total: int, declared: int | None) -> list[Problem]:
    if declared is not None and total != declared:
        return [
            Problem(
                f"持有明细合计 {total:,} 股，与申报的{business.declared_label.removesuffix('（股）')} "
                f"{declared:,} 股不符。"
            )
        ]
    return []


# ---- the approved effect ------------------------------------------------------------------------------


def business_events(
    *,
    business: Business,
    security: Security,
    sheet: pl.DataFrame,
    known: pl.DataFrame,
    effective_date: dt.date,
    prefix: str,
) -> pl.DataFrame:
    """The register events of a filing; keys ``prefix:row[:out|:in]`` make a second run a no-op. Built
    column-wise from the sheet (``_sheet_frame``) and its accounts (``_accounts_frame``, every one known:
    checked before); a release of 100k lots is 200k events."""
    sheet = sheet.join(known.select("account", "account_id"), on="account", how="left", maintain_order="left")
    sheet = sheet.with_columns((pl.lit(f"{prefix}:") + pl.col("row").cast(pl.Utf8)).alias("key"))
    common: list[pl.Expr | str] = [
        pl.lit(security.pk, dtype=pl.Int64).alias("security_id"),
        pl.lit(business.event_type).alias("event_type"),
        pl.lit(effective_date, dtype=pl.Date).alias("business_date"),
        pl.lit(business.label).alias("memo"),
        "account_id",
    ]
    free = [pl.lit("00").alias("share_nature"), pl.lit(None, dtype=pl.Date).alias("lockup_end")]
    named = [pl.col("share_nature"), pl.col("lockup_end")]
    if business in (INITIAL, NEW_SHARES):
        legs = [
            sheet.select(*common, pl.col("quantity").alias("quantity_delta"), *named, "key", pl.lit(0).alias("leg"))
        ]
    else:  # the shares leave one lot of the account and enter the other: 03 named → 00, 04 00 → named
        source, target = (named, free) if business is RELEASE else (free, named)
        legs = [
            sheet.select(
                *common,
                (-pl.col("quantity")).alias("quantity_delta"),
                *source,
                pl.col("key") + ":out",
                pl.lit(0).alias("leg"),
                "row",
            ),
            sheet.select(
                *common,
                pl.col("quantity").alias("quantity_delta"),
                *target,
                pl.col("key") + ":in",
                pl.lit(1).alias("leg"),
                "row",
            ),
        ]
        return pl.concat(legs).sort(["row", "leg"]).drop("leg", "row")
    return legs[0].drop("leg")


def business_payload(
    *,
    application: Any,
    business: Business,
    rows: list[SheetRow],
    effective_date: dt.date,
    declared: int | None,
    reason: str = "",
) -> dict[str, Any]:
    security = Security.objects.get(code=application.securities_code)
    return {
        "application": application.pk,
        "business": business.code,
        "security": security.code,
        "security_id": security.pk,
        "effective_date": effective_date.isoformat(),
        "declared": declared,
        "reason": reason,
        "rows": [r.as_json() for r in rows],
    }


def business_summary(payload: dict[str, Any]) -> str:
    business = BUSINESSES[payload["business"]]
    rows = payload["rows"]
    shares = sum(int(r[5]) for r in rows)
    what = f"{len(rows)} 个持有明细、{shares:,} 股" if rows else "证券退出登记，出具最终持有人名册"
    return f"{business.label} {payload['security']}：{what}，生效日 {payload['effective_date']}"


def business_apply(approval: Any) -> dict[str, Any]:
    """The approved effect (runs in the approving transaction or the end of day of its effective
    date). Re-checks the filing against the register as it is now; refuses whole on any problem."""
    from csdp.register.bulk import register_apply_bulk_balances  # read at call time: tests replace it at its source
    from csdp.register import holding_files  # its functions read at call time: tests patch them

    payload = approval.payload
    business = BUSINESSES[payload["business"]]
    # One frame of the sheet and one of its accounts serve the checks and the events.
    sheet = _sheet_frame(payload["rows"])
    effective = dt.date.fromisoformat(payload["effective_date"])
    with transaction.atomic(), ThreadPoolExecutor(1) as files_pool:
        security = Security.objects.select_for_update().get(pk=payload["security_id"])
        known = _accounts_frame(sheet["account"]) if business is not EXIT else pl.DataFrame(schema=KNOWN_SCHEMA)
        problems = business_problems(
            business=business,
            code=security.code,
            rows=None,
            effective_date=effective,
            declared=payload.get("declared"),
            sheet=sheet,
            known=known,
            # the lots' holdings are judged by the register's bulk path itself, on the balances it reads
            # to fold: a lot the business would take below zero is refused there, named
            # (csdp.register.bulk._refuse_short_lots); read again here it cost 0.25 s for 100k lots
            check_held=False,
        )
        if problems:
            raise IssuerBusinessError(f"{business.label}不能执行：登记簿已变化，请核对后重新申报。", problems=problems)
        prefix = f"biz:{approval.key}"
        result = {"business": business.code, "security": security.code}
        files = {"approval": approval, "business": business, "security": security, "day": effective, "events": None}
        made: list[Future[list[Any]]] = []
        if business is EXIT:
            result.update(_exit(approval, security, effective))
        else:
            events = business_events(
                business=business,
                security=security,
                sheet=sheet,
                known=known,
                effective_date=effective,
                prefix=prefix,
            )
            files["events"] = events

            def files_beside_the_checks(written: int, after: pl.DataFrame) -> None:
                # Every event new: the fold's balances are the files' lots, so the files are made in a
                # thread (no database) while the register checks its capital and invariants. A rerun
                # (keys replayed) reads the lots again below.
                if written == events.height:
                    made.append(
                        files_pool.submit(holding_files.holding_change_files_prepare, **files, balances=(after, known))
                    )

            result["events"], _ = register_apply_bulk_balances(events, on_fold=files_beside_the_checks)
            result["shares"] = int(sheet["quantity"].sum())
            security.refresh_from_db(fields=["issued_shares"])
            result["issued_shares"] = security.issued_shares
        written = made[0].result() if made else holding_files.holding_change_files_prepare(**files)
        result["files"] = holding_files.holding_change_files_record(approval, written)
        audit_record(
            actor=approval.approved_by or "system",
            obj=security,
            action=f"register.business_{business.code}",
            data={"approval": approval.pk, "application": payload.get("application"), **result},
        )
        _attach_result(approval, business, security, effective)
        from csdp.register.issuer_business_review import business_effected  # it reads this module's names

        business_effected(approval, business, effective, result)
    return result


def _exit(approval: Any, security: Security, effective: dt.date) -> dict[str, Any]:
    """06: the register is closed to further business (the security's state records it); the final
    持有人名册 as of the effective date is attached for hand-over (``_attach_result``)."""
    register_check(security)  # hand over a register that adds up
    security_status_change(
        security=security,
        to=SecurityStatus.DELISTED,
        actor=approval.approved_by,
        reason=f"退出登记（生效日 {effective}，复核 #{approval.pk}）",
    )
    return {"status": SecurityStatus.DELISTED.value}


def _attach_result(approval: Any, business: Business, security: Security, effective: dt.date) -> None:
    """The result report of the counter application: the 持有人名册 as of the effective date after the
    business (for 06 the final one, handed over; its DBF is in 信息查询). Attached while the application
    is being handled; staff then send the results."""
    from django.core.files.base import ContentFile

    from csdp.counter.handling import _result_store  # read at call time: tests replace it at its source

    application = Application.objects.filter(pk=approval.payload.get("application")).first()
    if application is None:
        return
    roster = roster_as_of(security=security, as_of=effective)
    stem = f"{security.code}_{business.label}_{effective:%Y%m%d}"
    actor = approval.approved_by
    _result_store(application, actor, ContentFile(roster_xlsx(roster), name=f"{stem}_持有人名册.xlsx"))
