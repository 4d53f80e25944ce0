"""Rows of the 信息查询 report, read from the share register through its public selectors
(csdp.securities.selectors.security_by_code, csdp.register.selectors.holders_of / holding_changes).

holders_of gives the positions as they stand when the report is built, so the 股东名册 and
限售股份明细 reports say so; 持股变动 lists the register's events of the period with the balances
after each (holding_changes), across a code switch back to the old NEEQ code.
"""

from __future__ import annotations

import datetime as dt

from csdp.clock.services import business_today
from csdp.register.models import ShareNature
from csdp.register.selectors import holders_of, holding_changes
from csdp.securities.models import SecuritiesAccount
from csdp.securities.selectors import security_by_code

HOLDER_REGISTER, RESTRICTED_DETAILS = "holder_register", "restricted_details"


def holder_rows(*, kind: str, code: str, as_of: dt.date) -> tuple[list[list[object]], str]:
    security = security_by_code(code)
    if security is None:
        return [], f"证券 {code} 在证券登记簿中尚无记录，结果为空。"
    holders = holders_of(security)
    note = (
        f"数据来源：证券持有明细（生成时点 {business_today().isoformat()} 的持有数据，查询日期 {as_of.isoformat()}）。"
    )
    if kind == RESTRICTED_DETAILS:
        rows = [
            [
                h.account.investor.ymt_number,
                h.account.number,
                h.account.investor.name,
                _nature(h.share_nature),
                h.lockup_end.isoformat(),
                h.quantity,
            ]
            for h in holders
            if h.lockup_end is not None
        ]
        return rows, note
    rows = [
        [
            h.account.investor.ymt_number,
            h.account.number,
            h.account.investor.name,
            _nature(h.share_nature),
            h.quantity,
            h.frozen,
            h.pledged,
        ]
        for h in holders
    ]
    return rows, note


CHANGE_ROWS_MAX = 50_000  # an Excel sheet a person can open; a longer period is asked for in parts


def change_rows(
    *,
    code: str,
    date_from: dt.date | None,
    as_of: dt.date,
    account_number: str | None = None,
    limit: int = CHANGE_ROWS_MAX,
) -> tuple[list[list[object]], str]:
    """持股变动: every registration event of the code (and the codes it was switched from) in the period,
    of one account or of all, with the lot's balances after it."""
    security = security_by_code(code)
    if security is None:
        return [], f"证券 {code} 在证券登记簿中尚无记录，结果为空。"
    note = "数据来源：证券登记簿变动记录；“变动后”为该账户同一股份性质（及限售截止日）的余额，代码转换前后连续计算。"
    account = None
    if account_number:
        account = SecuritiesAccount.objects.filter(number=account_number).first()
        if account is None:  # the same answer as an account without changes: no oracle for account numbers
            return [], note
    changes = holding_changes(account=account, security=security, date_from=date_from, date_to=as_of, limit=limit)
    rows = [
        [
            c.business_date.isoformat(),
            c.event_label,
            c.security_code,
            c.ymt_number,
            c.account_number,
            c.holder_name,
            _nature(c.share_nature),
            c.lockup_end.isoformat() if c.lockup_end else "",
            c.quantity_delta,
            c.frozen_delta,
            c.pledged_delta,
            c.quantity_after,
            c.frozen_after,
            c.pledged_after,
        ]
        for c in changes.rows
    ]
    if changes.truncated:
        note += f"变动记录超过 {limit} 条，本表列示最早的 {limit} 条，请缩短查询期间后分次查询。"
    return rows, note


def _nature(code: str) -> str:
    try:
        return ShareNature(code).label
    except ValueError:
        return code
