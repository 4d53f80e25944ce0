"""Section 7 of docs/interfaces.md: the distribution's files (added from DividendConfig.ready)."""

from __future__ import annotations

from csdp.dividend.files import LAYOUTS as DIVIDEND_LAYOUTS, NO_CUSTODIAN, RESULT_LABELS, TOTAL
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
        "Participants download QYMX, QYHZ and QYZC from 权益分派数据文件 (`/dividend/files/`, participant page, in",
        "the left bar under 权益分派) or `GET /api/v1/dividend/files` (cursor pages; `distribution_id`,",
        "`business_date` filters) and `GET /api/v1/dividend/files/{dividend_file_id}/content`; each participant",
        "sees only its own (another's file: 404 `not_found`), each listed with its rows and SHA-256. The files are",
        "recorded in the transaction of the step that wrote them, and the participant's users are told by SMS and",
        "e-mail (purpose `dividend_files_ready`) when they are published.",
        "",
        "QYJG goes to the issuer: these DBF and CSV files, and the same rows as an Excel sheet",
        "`QYJG<code>_<R YYYYMMDD>.xlsx` attached to its counter application (type 05) as the business's result.",
        "The DBF's `JSCY` is a code field read by machines, so the rows that are no participant keep codes",
        f"there (`{TOTAL}`: the total line; `{NO_CUSTODIAN}`: the accounts with no custody unit at R); the Excel",
        f"sheet, read by people, shows them as 「{RESULT_LABELS[TOTAL]}」 and 「{RESULT_LABELS[NO_CUSTODIAN]}」, with",
        "amounts (yuan, two decimals), shares and account counts as numeric cells and dates as date cells.",
        "",
    ]
    for layout in DIVIDEND_LAYOUTS.values():
        lines = _layout_md(layout)
        lines[3] = "文件名见上。"  # the IPO's path line does not apply
        out += lines
    return out
