"""红股上市日: the bonus and capitalisation shares registered as register events through the register's
one bulk path, which grows the issued capital and checks the register before commit (docs/dividend.md)."""

from __future__ import annotations

import datetime as dt
import time

from django.db import connection

from csdp.dividend import files
from csdp.dividend.closed_accounts import closed_account_bonus
from csdp.dividend.models import Distribution, Status
from csdp.dividend.notices import result_attach
from csdp.dividend.services import DividendError
from csdp.dividend.steps import Laps, _issued_shares, _move, _record
from csdp.register.models import EventType
from csdp.register.services import RegisterError


def step_register(distribution: Distribution, day: dt.date) -> str:
    from csdp.register.bulk_staged import register_apply_staged  # at call time: the kill test patches it at its source

    started, laps = time.perf_counter(), Laps()
    written = 0
    if distribution.bonus_total:
        before = _issued_shares(distribution)
        try:
            # The events are built by the database from the entitlements (never read into Python);
            # register_apply_staged grows the issued capital with them (ISSUING) and runs
            # register_check (Σ positions = issued capital, available ≥ 0) before its commit.
            written = register_apply_staged(*bonus_source(distribution))
            laps.lap("register_apply_staged")
        except RegisterError as error:
            raise DividendError(f"红股登记失败：{error}") from None
        after = _issued_shares(distribution)
        if after - before != distribution.bonus_total:  # Σ positions =登记股本: register_check, above
            raise DividendError(
                f"股份不守恒：登记股本增加 {after - before} 股（应为 {distribution.bonus_total} 股），"
                f"登记股本 {after} 股。",
                code="dividend.shares_not_conserved",
            )
    closed_accounts, closed_shares, suspense = closed_account_bonus(distribution, day)
    result, xlsx = files.issuer_result_file(distribution, day)
    attached = result_attach(distribution, xlsx)
    laps.lap("issuer_file")
    _move(distribution, Status.COMPLETED, f"红股上市日 {distribution.list_date}：登记 {written} 笔")
    detail = {"result_file": result, "suspense_files": suspense, "attached": attached, "laps": laps.seconds}
    _record(distribution, "register", day, started, written, detail)
    text = f"红股登记 {written} 笔（{distribution.bonus_total} 股）；发行人结果文件已生成"
    if closed_accounts:
        text += f"；其中 {closed_accounts} 个已注销账户的送转股 {closed_shares} 股登记在原账户，待持有人确权"
    return text


def bonus_source(distribution: Distribution) -> tuple[str, list[object]]:
    """One register event per lot with bonus shares, as a SELECT over the entitlements for
    register_apply_staged: credited to the same lot (share nature and lock-up end kept), its frozen and
    pledged parts frozen and pledged (engine/entitlements.py assumptions). The key names the lot:
    ``div:<distribution>:<account id>:<nature>:<lock-up end YYYYMMDD, or ->``."""
    # dates as text: PostgreSQL's depends on DateStyle, SQLite stores ISO text
    day = "to_char(lockup_end, 'YYYYMMDD')" if connection.vendor == "postgresql" else "REPLACE(lockup_end, '-', '')"
    lockup = f"COALESCE({day}, '-')"
    sql = (
        "SELECT %s AS security_id, account_id, share_nature, lockup_end, %s AS event_type,"
        " bonus_shares AS quantity_delta, bonus_frozen AS frozen_delta, bonus_pledged AS pledged_delta,"
        f" %s AS business_date, %s || CAST(account_id AS TEXT) || ':' || share_nature || ':' || {lockup} AS key,"
        " %s AS memo FROM dividend_entitlement WHERE distribution_id = %s AND bonus_shares > 0"
    )
    return sql, [
        distribution.security_id,
        EventType.BONUS.value,
        distribution.list_date,
        f"div:{distribution.pk}:",
        f"{distribution.security.code} 送转股（登记日 {distribution.record_date}）",
        distribution.pk,
    ]
