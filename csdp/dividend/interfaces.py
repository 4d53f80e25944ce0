"""Section 7 of docs/interfaces.md: the distribution's files (added from DividendConfig.ready)."""

from __future__ import annotations

from csdp.dividend.files import LAYOUTS as DIVIDEND_LAYOUTS
from csdp.ipo.interfaces import _layout_md, interfaces_section


@interfaces_section(70)
def dividend_md() -> list[str]:
    out = [
        "## 7. 权益分派 files (out: participants on 派息日, the issuer on 红股上市日)",
        "",
        "Written by the end of day of a distribution (`csdp/dividend/files.py`, `docs/dividend.md`): DBF and CSV",
        "as above. Paths: `dividend/<distribution id>/<business date YYYYMMDD>/<participant code>/<type><code>.dbf`",
        "(the issuer's under `issuer/`) with a `.csv` twin. Amounts are tax-inclusive yuan from integer fen.",
        "",
    ]
    for layout in DIVIDEND_LAYOUTS.values():
        lines = _layout_md(layout)
        lines[3] = "文件名见上。"  # the IPO's path line does not apply
        out += lines
    return out
