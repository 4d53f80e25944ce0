"""The end-of-day step of the rights restrictions: expire freezes whose period ended (unless renewed),
let waiting freezes take what became available, publish the participants' QLBD files."""

from __future__ import annotations

import datetime as dt

from csdp.clock.eod import EodLine
from csdp.restrictions.checks import restrictions_rebuild_check
from csdp.restrictions.files import files_publish
from csdp.restrictions.services_freeze import freezes_expire


def restrictions_eod_job(day: dt.date, actor) -> list:
    expired, filled = freezes_expire(day=day)
    files = files_publish(day=day)
    problems = restrictions_rebuild_check()
    lines = [
        EodLine(
            "restrictions", "权利限制", f"到期解除冻结 {expired} 笔，轮候冻结生效 {filled:,} 股，参与人文件 {files} 个"
        )
    ]
    if problems:  # shown to staff; the records or the register need a look before the next day
        lines.append(EodLine("restrictions", "核对", "登记簿与权利限制记录不一致", error="；".join(problems[:20])))
    return lines
