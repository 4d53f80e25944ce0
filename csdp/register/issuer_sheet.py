"""The Excel data template of the issuer's register businesses (counter types 01–04, rules.md §11) and
its reader: one row per lot — 证券账户号码, 持有人名称, 证件类型, 证件号码, 股份数量（股）, 股份性质, 限售截止日.

Read by the one sheet reader (csdp.lib.sheets: declared columns, streamed, row limit): it checks the
form of every row and lists every problem at once (a bad file is refused whole); the checks against
the securities master and the register are in csdp.register.issuer_checks.
"""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass
from typing import Any

from csdp.lib.errors import Problem
from csdp.lib.sheets import DATE, Column, SheetRejected, SheetSpec, sheet_read as sheet_spec_read
from csdp.register.models import ShareNature
from csdp.securities.models import IdType
from openpyxl import Workbook
from openpyxl.styles import Font

COLUMNS = ("证券账户号码", "持有人名称", "证件类型", "证件号码", "股份数量（股）", "股份性质", "限售截止日")
MAX_ROWS = 200_000  # one sheet; a larger register is filed in parts (02) or with staff (01)
ID_TYPES = {label: code for code, label in IdType.choices} | {code: code for code in IdType.values}
NATURES = {label: code for code, label in ShareNature.choices} | {code: code for code in ShareNature.values}

EXAMPLE = ("0180000001", "张明", "居民身份证", "110105198001011234", 1_000_000, "00", None)
NOTES = (
    "填写说明：每行一个持有明细（同一账户不同股份性质或限售截止日分行填写）；证券账户号码为 10 位；"
    "证件类型填写“居民身份证”“统一社会信用代码”“护照”“其他证件”；股份性质填写 00（无限售流通股）、"
    "05（限售流通股（个人））或 06（限售流通股（机构））；限售股份须填写限售截止日（YYYY-MM-DD），"
    "无限售流通股不填。第一行为表头，请勿修改；示例行请删除。"
)


@dataclass(frozen=True)
class SheetRow:
    row: int  # as Excel counts (the header is row 1)
    account: str
    name: str
    id_type: str
    id_number: str
    quantity: int
    share_nature: str
    lockup_end: dt.date | None

    def as_json(self) -> list[Any]:
        return [
            self.row,
            self.account,
            self.name,
            self.id_type,
            self.id_number,
            self.quantity,
            self.share_nature,
            self.lockup_end.isoformat() if self.lockup_end else None,
        ]

    @classmethod
    def from_json(cls, value: list[Any]) -> SheetRow:
        row, account, name, id_type, id_number, quantity, nature, lockup_end = value
        return cls(
            row,
            account,
            name,
            id_type,
            id_number,
            int(quantity),
            nature,
            dt.date.fromisoformat(lockup_end) if lockup_end else None,
        )


def template_bytes(title: str) -> bytes:
    """The data template to download: the header, one example row and the notes in a second sheet."""
    book = Workbook()
    sheet = book.active
    sheet.title = "持有明细"
    sheet.append(COLUMNS)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    sheet.append(list(EXAMPLE))
    for column, width in zip("ABCDEFG", (14, 20, 16, 22, 16, 10, 14)):
        sheet.column_dimensions[column].width = width
    notes = book.create_sheet("填写说明")
    notes.append([title])
    notes.append([NOTES])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _account_problem(value: str) -> str | None:
    account = value.upper()
    return None if len(account) == 10 and account.isalnum() else f"证券账户号码“{account}”应为 10 位数字或大写字母。"


def _shares(value: str) -> int | None:
    plain = value.replace(",", "")
    try:
        shares = int(plain)
    except ValueError:
        return None
    return shares if shares > 0 and str(shares) == plain.lstrip("+") else None


def _nature(value: str) -> str | None:
    return NATURES.get(value.zfill(2) if value.isdigit() else value)


SPEC = SheetSpec(
    label="持有明细",
    columns=(
        Column("account", COLUMNS[0], check=_account_problem, missing=f"{COLUMNS[0]}“”应为 10 位数字或大写字母。"),
        Column("name", COLUMNS[1], missing="持有人名称不能为空。"),
        Column(
            "id_type",
            COLUMNS[2],
            check=lambda v: None if v in ID_TYPES else f"证件类型“{v}”无效。",
            missing="证件类型“”无效。",
        ),
        Column("id_number", COLUMNS[3], missing="证件号码不能为空。"),
        Column(
            "quantity",
            COLUMNS[4],
            check=lambda v: None if _shares(v) else f"股份数量“{v}”应为正整数。",
            missing="股份数量“”应为正整数。",
        ),
        Column(
            "share_nature",
            COLUMNS[5],
            check=lambda v: None if _nature(v) else f"股份性质“{v}”无效（00、05 或 06）。",
            missing="股份性质“”无效（00、05 或 06）。",
        ),
        Column("lockup_end", COLUMNS[6], kind=DATE, required=False),
    ),
    max_rows=MAX_ROWS,
    max_bytes=64 * 1024 * 1024,  # 200,000 rows of seven columns stay well under this
)


def _row(row: dict[str, Any], problems: list[Problem]) -> SheetRow | None:
    """The row when its cells are well-formed and its share nature and lock-up agree, else None."""
    line, nature, end = row["line"], _nature(row["share_nature"]), row["lockup_end"]
    quantity = _shares(row["quantity"])
    if any(p.row == line for p in problems) or quantity is None or nature is None:
        return None  # (quantity and nature are None only where the columns' checks found a problem)
    if (nature == ShareNature.UNRESTRICTED) != (end is None):
        problems.append(Problem("限售股份须填写限售截止日，无限售流通股不得填写。", field=COLUMNS[6], row=line))
        return None
    return SheetRow(
        line,
        row["account"].upper(),
        row["name"],
        ID_TYPES[row["id_type"]],
        row["id_number"].upper(),
        quantity,
        nature,
        end,
    )


def sheet_read(content: bytes) -> tuple[list[SheetRow], list[Problem]]:
    """Every row of the first sheet, or every problem of the file (rows as Excel counts them)."""
    try:
        sheet = sheet_spec_read(content, SPEC)
    except SheetRejected as rejected:
        return [], list(rejected.problems)
    problems = list(sheet.problems)
    parsed = [r for r in (_row(row, problems) for row in sheet.rows) if r is not None]
    problems.sort(key=lambda p: p.row or 0)
    return parsed, problems
