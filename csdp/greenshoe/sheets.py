"""The two Excel layouts (docs/greenshoe.md): DJ — the issuer's additional-issuance registration data
(002 §2.2.1(二)), CSPLW — the lead underwriter's transfer details (002 §2.2.2(二)). Reading a sheet
and checking its rows against the register and the deferred-delivery agreements, every error listed."""

from __future__ import annotations

import io

from openpyxl import Workbook

from csdp.greenshoe.errors import FilingRejected
from csdp.greenshoe.models import FilingKind
from csdp.lib.sheets import RAW, Column, SheetSpec, sheet_read
from csdp.securities.models import SecuritiesAccount

# The custody unit (托管单元) says which clearing participant's back office receives the row in its
# data file (participant files of the offering: docs/interfaces.md CPDJ / CPGH).
DJ_HEADER = ("证券账户号码", "证券账户名称", "证件号码", "增发股数", "股份性质", "托管单元")
CSPLW_HEADER = ("转出证券账户号码", "转入证券账户号码", "转入证券账户名称", "转入证件号码", "过户股数", "转入托管单元")
HEADERS = {FilingKind.ISSUANCE: DJ_HEADER, FilingKind.TRANSFER: CSPLW_HEADER}
MAX_ROWS = 20_000


def template(kind: str) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.title = "DJ" if kind == FilingKind.ISSUANCE else "CSPLW"
    sheet.append(HEADERS[kind])
    if kind == FilingKind.ISSUANCE:
        sheet.append(["0100000001", "示例投资者", "11010519491231002X", 1000, "00", "100001"])
    else:
        sheet.append(["0900000001", "0100000001", "示例投资者", "11010519491231002X", 1000, "100001"])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


# Declared for the one reader (csdp/lib/sheets.py): raw cells, checked against the register below.
SHEETS = {
    kind: SheetSpec(
        label="DJ" if kind == FilingKind.ISSUANCE else "CSPLW",
        max_rows=MAX_ROWS,
        columns=tuple(Column(f"c{i}", h, kind=RAW) for i, h in enumerate(header)),
        rejected=FilingRejected,
    )
    for kind, header in HEADERS.items()
}


def read_rows(stored, kind: str) -> list[tuple]:
    return sheet_read(stored, SHEETS[kind]).tuples()


def normalise(kind: str, body: list[tuple]) -> list[dict]:
    """Both layouts as the same fields: line, source (CSPLW only), number, name, id_number, shares, nature, unit."""
    out = []
    for line, row in enumerate(body, start=2):
        values = [text(v) for v in row[: len(HEADERS[kind])]]
        if kind == FilingKind.ISSUANCE:
            number, name, id_number, shares, nature, unit = values
            source = ""
        else:
            source, number, name, id_number, shares, unit = values
            nature = "00"
        out.append(
            {
                "line": line,
                "source": source,
                "number": number,
                "name": name,
                "id_number": id_number,
                "shares": shares,
                "nature": nature,
                "unit": unit,
            }
        )
    return out


def check_row(
    row: dict, account: SecuritiesAccount | None, *, kind: str, special_number: str, room: int | None, unit_known: bool
) -> list[tuple[str, str]]:
    """One row's problems. ``room``: shares still owed to this account under its agreement (None: no agreement);
    ``unit_known``: the row's custody unit exists."""
    share_column = "增发股数" if kind == FilingKind.ISSUANCE else "过户股数"
    name_column = "证券账户名称" if kind == FilingKind.ISSUANCE else "转入证券账户名称"
    problems = []
    if kind == FilingKind.TRANSFER and row["source"] != special_number:
        problems.append(("转出证券账户号码", f"应为主承销商的超额配售选择权专用账户 {special_number or '（未开立）'}"))
    if account is None:
        problems.append((HEADERS[kind][0 if kind == FilingKind.ISSUANCE else 1], f"{row['number'] or '（空）'} 不存在"))
    else:
        if row["name"] != account.investor.name:
            problems.append((name_column, f"与登记的名称“{account.investor.name}”不符"))
        if row["id_number"].upper() != account.investor.id_number.upper():
            problems.append(("证件号码" if kind == FilingKind.ISSUANCE else "转入证件号码", "与登记的证件号码不符"))
    if not unit_known:
        problems.append((HEADERS[kind][5], f"{row['unit'] or '（空）'} 不是本公司登记的托管单元"))
    if row["nature"] != "00":
        problems.append(("股份性质", "超额配售股份为无限售流通股，应填 00"))
    if not row["shares"].isdigit() or int(row["shares"]) <= 0:
        problems.append((share_column, "应为正整数"))
    elif account is not None and room is None:
        problems.append((share_column, "该投资者没有与主承销商达成延期交付股票协议"))
    elif account is not None and int(row["shares"]) > room:
        problems.append((share_column, f"超过延期交付协议尚未交付的 {room:,} 股"))
    return problems
