"""The Excel data template of the issuer's register businesses (counter types 01–04, rules.md §11) and
its reader: one row per lot — 证券账户号码, 持有人名称, 证件类型, 证件号码, 股份数量（股）, 股份性质, 限售截止日.

csdp/lib has no shared sheet reader yet, so this is openpyxl in read-only mode with a few column
rules of our own. The reader checks the form of every row and lists every problem at once (a bad file
is refused whole); the checks against the securities master and the register are in
csdp.register.issuer_checks.
"""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass

from csdp.lib.errors import Problem
from csdp.register.models import ShareNature
from csdp.securities.models import IdType

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

    def as_json(self) -> list:
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
    def from_json(cls, value: list) -> SheetRow:
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
    from openpyxl import Workbook
    from openpyxl.styles import Font

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


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():  # Excel stores typed numbers as floats
        value = int(value)
    return str(value).strip()


def _date(value) -> dt.date | None:
    if value in (None, ""):
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(_text(value))


def _row(number: int, cells: tuple) -> tuple[SheetRow | None, list[Problem]]:
    cells = tuple(cells) + (None,) * (len(COLUMNS) - len(cells))
    account, name, id_type, id_number, quantity, nature, lockup_end = cells[: len(COLUMNS)]
    problems = []

    def bad(field: str, message: str) -> None:
        problems.append(Problem(message, field=field, row=number))

    account, name, id_number = _text(account).upper(), _text(name), _text(id_number).upper()
    if len(account) != 10 or not account.isalnum():
        bad(COLUMNS[0], f"证券账户号码“{account}”应为 10 位数字或大写字母。")
    if not name:
        bad(COLUMNS[1], "持有人名称不能为空。")
    id_code = ID_TYPES.get(_text(id_type))
    if id_code is None:
        bad(COLUMNS[2], f"证件类型“{_text(id_type)}”无效。")
    if not id_number:
        bad(COLUMNS[3], "证件号码不能为空。")
    shares = None
    try:
        text = _text(quantity).replace(",", "")
        shares = int(text)
        if shares <= 0 or str(shares) != text.lstrip("+"):
            raise ValueError
    except ValueError:
        bad(COLUMNS[4], f"股份数量“{_text(quantity)}”应为正整数。")
    nature_code = NATURES.get(_text(nature).zfill(2) if _text(nature).isdigit() else _text(nature))
    if nature_code is None:
        bad(COLUMNS[5], f"股份性质“{_text(nature)}”无效（00、05 或 06）。")
    try:
        end = _date(lockup_end)
    except ValueError:
        end = None
        bad(COLUMNS[6], f"限售截止日“{_text(lockup_end)}”不是有效日期（YYYY-MM-DD）。")
    if (
        nature_code is not None
        and (nature_code == ShareNature.UNRESTRICTED) != (end is None)
        and not any(p.field == COLUMNS[6] for p in problems)
    ):
        bad(COLUMNS[6], "限售股份须填写限售截止日，无限售流通股不得填写。")
    if problems:
        return None, problems
    return SheetRow(number, account, name, id_code, id_number, shares, nature_code, end), []


def sheet_read(content: bytes) -> tuple[list[SheetRow], list[Problem]]:
    """Every row of the first sheet, or every problem of the file (rows as Excel counts them)."""
    from openpyxl import load_workbook

    try:
        book = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception:  # openpyxl raises many kinds for a file that is not an .xlsx workbook
        return [], [Problem("无法读取 Excel 文件，请使用下载的数据模板（.xlsx）填写。")]
    try:
        sheet = book.worksheets[0]
        rows = sheet.iter_rows(values_only=True)
        header = tuple(_text(v) for v in next(rows, ()))
        if header[: len(COLUMNS)] != COLUMNS:
            return [], [Problem(f"表头应为：{'、'.join(COLUMNS)}。请使用下载的数据模板。", row=1)]
        parsed, problems = [], []
        for number, cells in enumerate(rows, start=2):
            if all(v in (None, "") for v in cells):
                continue
            if len(parsed) + len(problems) >= MAX_ROWS:
                problems.append(Problem(f"数据超过 {MAX_ROWS} 行，请分批申报。", row=number))
                break
            row, found = _row(number, cells)
            problems += found
            if row is not None:
                parsed.append(row)
    finally:
        book.close()
    if not parsed and not problems:
        problems.append(Problem("数据模板中没有持有明细。"))
    return parsed, problems
