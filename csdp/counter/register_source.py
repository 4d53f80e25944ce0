"""Rows of the 信息查询 report, read from the share register through its public selectors
(csdp.securities.selectors.security_by_code, csdp.register.selectors.holders_of).

holders_of gives the positions as they stand when the report is built, so every report says so;
持股变动 lists the same current positions until the register offers a change-history selector.
"""
from __future__ import annotations

import datetime as dt

HOLDER_REGISTER, HOLDING_CHANGES, RESTRICTED_DETAILS = "holder_register", "holding_changes", "restricted_details"


def holder_rows(*, kind: str, code: str, as_of: dt.date) -> tuple[list[list], str]:
    from csdp.clock.services import business_today
    from csdp.register.selectors import holders_of
    from csdp.securities.selectors import security_by_code

    security = security_by_code(code)
    if security is None:
        return [], f"证券 {code} 在证券登记簿中尚无记录，结果为空。"
    holders = holders_of(security)
    note = f"数据来源：证券持有明细（生成时点 {business_today().isoformat()} 的持有数据，查询日期 {as_of.isoformat()}）。"
    if kind == RESTRICTED_DETAILS:
        rows = [[h.account.investor.ymt_number, h.account.number, h.account.investor.name, _nature(h.share_nature),
                 h.lockup_end.isoformat(), h.quantity] for h in holders if h.lockup_end is not None]
        return rows, note
    rows = [[h.account.investor.ymt_number, h.account.number, h.account.investor.name, _nature(h.share_nature),
             h.quantity, h.frozen, h.pledged] for h in holders]
    if kind == HOLDING_CHANGES:
        note += "登记簿暂未提供按日变动查询接口，本表列示当前持有明细。"
    return rows, note


def _nature(code: str) -> str:
    from csdp.register.models import ShareNature

    try:
        return ShareNature(code).label
    except ValueError:
        return code
