"""Section 5 of docs/interfaces.md: the greenshoe filings' sheets (added from GreenshoeConfig.ready)."""

from __future__ import annotations

from csdp.greenshoe.sheets import CSPLW_HEADER, DJ_HEADER
from csdp.ipo.interfaces import interfaces_section


@interfaces_section(50)
def greenshoe_md() -> list[str]:
    return [
        "## 5. Greenshoe filings (in, after the exercise period)",
        "",
        "Excel (.xlsx), first sheet, header row exactly as below; rules and checks in `docs/greenshoe.md`.",
        "",
        "- DJ — 股份登记电子数据（超额配售增发，seed 002 §2.2.1, 附件3）: " + "、".join(DJ_HEADER) + ".",
        "- CSPLW — 股份过户登记明细数据（二级市场购回股份的非交易过户，seed 002 §2.2.2, 附件4）: "
        + "、".join(CSPLW_HEADER)
        + ".",
        "",
    ]
