"""The one Excel-sheet reader of CSDP: declared columns, every problem listed at once, bounded work.

A filing declares its sheet once::

    SPEC = SheetSpec(label="战略配售明细", columns=(
        Column("account", "证券账户号码", check=account_number_problem),
        Column("shares", "登记股数", kind=INT, check=positive),
        Column("nature", "股份性质", choices={"00", "05", "06"}),
        Column("lockup_end", "限售截止日", kind=DATE, required=False),
    ), max_rows=20_000)

    sheet = sheet_read(stored_file, SPEC)        # file-level problems are refused at once (SheetRejected)
    problems = sheet.problems + domain_checks(sheet.rows)
    refuse_if(problems, ..., error=...)          # csdp.lib.errors: every row's problem listed together

A spec may also accept CSV (``csv=True``: UTF-8 or GBK, told apart from an .xlsx by its first bytes)
and find its columns by their header in any order (``header_by_name=True``: a missing required
column is refused, a missing optional one reads as empty, other columns are ignored).

The workbook is read with openpyxl in read-only (streaming) mode, row by row, and reading stops as
soon as the row limit is passed: a 3-million-row workbook costs the same as one at the limit plus one
(issue 20 item 4: the limit used to be checked after the whole sheet was in memory). The file's size
is checked before it is opened. A file that is not a readable .xlsx (not a zip, a damaged zip, no
worksheet) is refused with a Chinese message, never a 500.

Row numbers are the spreadsheet's (the header is row 1), so a user finds the row in Excel.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import zipfile
from xml.etree.ElementTree import ParseError
from collections.abc import Callable, Collection, Generator, Iterator
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import IO, Any

from openpyxl.reader.excel import ExcelReader
from openpyxl.styles.stylesheet import apply_stylesheet
from openpyxl.worksheet._read_only import ReadOnlyWorksheet

from csdp.lib.errors import CsdpError, Problem

RAW, TEXT, INT, DECIMAL, DATE = "raw", "text", "int", "decimal", "date"
KIND_LABELS = {INT: "整数", DECIMAL: "数字", DATE: "日期（YYYY-MM-DD）"}
MAX_BYTES_DEFAULT = 5 * 1024 * 1024  # an .xlsx of 20,000 plain rows is well under 2 MB


@dataclass(frozen=True)
class SheetError:
    """One problem in the shape the filing pages list: spreadsheet row (0: the file), column, message."""

    line: int
    column: str
    message: str


class SheetRejected(CsdpError):
    """A sheet refused whole; ``problems`` (and ``errors``, for the pages' tables) list every problem."""

    code = "sheet.rejected"

    def __init__(self, problems: list[Problem], *, message: str | None = None, **kwargs: Any) -> None:
        super().__init__(
            message or f"文件未通过校验（共 {len(problems)} 处错误），整份文件未接收。", problems=problems, **kwargs
        )
        self.errors = [SheetError(p.row or 0, p.field or "文件", p.message) for p in self.problems]

    reason = ""  # why the file was refused whole: too_large, format, damaged, header, empty, too_many_rows

    @classmethod
    def from_problems(cls, problems: list[Problem], *, message: str | None = None, reason: str = "") -> SheetRejected:
        """An instance of ``cls`` (a domain's subclass with its own ``__init__``) built from problems."""
        error = cls.__new__(cls)
        SheetRejected.__init__(error, problems, message=message)
        error.reason = reason
        return error


@dataclass(frozen=True)
class Column:
    """One declared column: the key in each row dict, the header users see, and its rules.

    ``kind`` converts the cell (RAW keeps openpyxl's value; TEXT strips it, integral floats without
    ".0"); ``required`` refuses an empty cell (with ``missing`` as the problem) and, for a spec whose
    columns are found by name, a missing column; ``choices`` the allowed text values; ``check`` returns a
    Chinese problem for a converted value (or None)."""

    name: str
    header: str
    kind: str = TEXT
    required: bool = True
    choices: Collection[str] | None = None
    check: Callable[[Any], str | None] | None = None
    missing: str = "必填"


@dataclass(frozen=True)
class SheetSpec:
    label: str
    columns: tuple[Column, ...]
    max_rows: int = 20_000
    max_bytes: int = MAX_BYTES_DEFAULT
    header_by_name: bool = False  # columns found by header text, in any order (see the module's doc)
    csv: bool = False  # a CSV file is read too
    rejected: type[SheetRejected] = SheetRejected  # the domain's subclass, so its pages catch it

    @property
    def header(self) -> tuple[str, ...]:
        return tuple(c.header for c in self.columns)


@dataclass
class Sheet:
    rows: list[dict[str, Any]] = field(default_factory=list)  # each: {"line": n, <column name>: value, ...}
    problems: list[Problem] = field(default_factory=list)

    def tuples(self) -> list[tuple[Any, ...]]:
        """The rows as tuples in column order (for code that reads positions)."""
        names = [k for k in (self.rows[0] if self.rows else {}) if k != "line"]
        return [tuple(r[n] for n in names) for r in self.rows]


def text(value: object) -> str:
    """A cell as the text a user typed: None → "", 1000.0 → "1000", stripped."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, dt.datetime) and value.time() == dt.time(0):
        value = value.date()
    return str(value).strip()


def _convert(column: Column, value: object) -> tuple[Any, str | None]:
    """(converted value, problem or None)."""
    if column.kind == RAW:
        return value, None
    raw = text(value)
    if raw == "":
        return (None if column.kind != TEXT else ""), (column.missing if column.required else None)
    if column.kind == TEXT:
        converted: Any = raw
    elif column.kind == INT:
        if isinstance(value, bool) or not (raw.lstrip("-").isdigit()):
            return None, f"应为{KIND_LABELS[INT]}（{raw}）"
        converted = int(raw)
    elif column.kind == DECIMAL:
        try:
            converted = Decimal(raw)
        except InvalidOperation:
            return None, f"应为{KIND_LABELS[DECIMAL]}（{raw}）"
    elif column.kind == DATE:
        if isinstance(value, dt.datetime):
            converted = value.date()
        elif isinstance(value, dt.date):
            converted = value
        else:
            try:
                converted = dt.date.fromisoformat(raw)
            except ValueError:
                return None, f"应为{KIND_LABELS[DATE]}（{raw}）"
    else:
        raise ValueError(f"unknown column kind {column.kind!r}")
    if column.choices is not None and raw not in column.choices:
        return converted, "应为以下之一：" + "、".join(sorted(column.choices))
    if column.check is not None:
        problem = column.check(converted)
        if problem:
            return converted, problem
    return converted, None


def _open(source: Any) -> IO[bytes]:
    """A seekable binary handle on the workbook: a StoredFile (``.open()``), a path, bytes or a file."""
    if isinstance(source, (bytes, bytearray)):
        return io.BytesIO(source)
    if hasattr(source, "open") and not hasattr(source, "read"):
        opened: IO[bytes] = source.open()
        return opened
    if hasattr(source, "read"):
        handle: IO[bytes] = source
        return handle
    return open(source, "rb")


def _size(handle: IO[bytes]) -> int:
    handle.seek(0, io.SEEK_END)
    size = handle.tell()
    handle.seek(0)
    return size


class _StreamedSheet(ReadOnlyWorksheet):  # type: ignore[misc]  # openpyxl ships no types
    """openpyxl's read-only worksheet without its size probe: when a sheet has no <dimension> element
    (any generator may leave it out), openpyxl scans the whole sheet XML to find one before the first
    row is read — 1M rows cost a minute before the limit could stop anything."""

    def _get_size(self) -> None:
        return None


def _first_sheet(handle: IO[bytes]) -> ReadOnlyWorksheet:
    """The workbook's first worksheet, streamed (ExcelReader.read() without its read_worksheets)."""
    reader = ExcelReader(handle, read_only=True, data_only=True)
    reader.read_manifest()
    reader.read_strings()
    reader.read_workbook()
    apply_stylesheet(reader.archive, reader.wb)
    for sheet, rel in reader.parser.find_sheets():
        if rel.target in reader.valid_files and "chartsheet" not in rel.Type:
            return _StreamedSheet(reader.wb, sheet.name, rel.target, reader.shared_strings)
    raise KeyError("no worksheet")


def _rows(handle: IO[bytes], spec: SheetSpec) -> Generator[tuple[Any, ...], None, None]:
    try:
        sheet = _first_sheet(handle)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError, IndexError, TypeError, ParseError) as error:
        raise spec.rejected.from_problems(
            [Problem("不是可读取的 Excel（.xlsx）文件，请使用下载的模板另存为 .xlsx 后上传", field="文件")],
            reason="format",
        ) from error
    try:
        yield from sheet.iter_rows(values_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError, ParseError) as error:  # damaged part found mid-way
        raise spec.rejected.from_problems(
            [Problem("Excel 文件已损坏，无法读取", field="文件")], reason="damaged"
        ) from error
    finally:
        sheet.parent.close()


def _csv_rows(handle: IO[bytes], spec: SheetSpec) -> Generator[tuple[Any, ...], None, None]:
    content = handle.read()
    for encoding in ("utf-8-sig", "gbk"):
        try:
            decoded = content.decode(encoding)
        except UnicodeDecodeError:
            continue
        yield from (tuple(row) for row in csv.reader(io.StringIO(decoded)))
        return
    raise spec.rejected.from_problems(
        [Problem("文件应为 Excel（.xlsx）或 CSV（UTF-8 或 GBK 编码）", field="文件")],
        message="文件应为 Excel（.xlsx）或 CSV（UTF-8 或 GBK 编码）。",
        reason="format",
    )


def _is_xlsx(handle: IO[bytes]) -> bool:
    start = handle.read(4)
    handle.seek(0)
    return start == b"PK\x03\x04"


def sheet_read(source: Any, spec: SheetSpec) -> Sheet:
    """Read the first worksheet of ``source`` (or the CSV, where the spec accepts one) against ``spec``.

    Refused at once (``spec.rejected``) for the file as a whole: too large, not an .xlsx, wrong header,
    no data rows, more than ``spec.max_rows`` data rows (reading stops there). Cell problems do not
    stop the reading: they are all returned in ``Sheet.problems`` with their row and column."""
    with _open(source) as handle:
        size = _size(handle)
        if size > spec.max_bytes:
            raise spec.rejected.from_problems(
                [
                    Problem(
                        f"文件大小 {size / 1024 / 1024:.1f} MB，超过{spec.label}的上限 {spec.max_bytes / 1024 / 1024:.0f} MB",
                        field="文件",
                    )
                ],
                reason="too_large",
            )
        rows = _csv_rows(handle, spec) if spec.csv and not _is_xlsx(handle) else _rows(handle, spec)
        try:
            return _sheet_of(rows, spec)
        finally:
            rows.close()  # stop: the rest of the sheet is never read


def _positions(header: tuple[Any, ...] | None, spec: SheetSpec) -> list[int | None]:
    """Where each declared column is in the file; refuses a wrong header."""
    width = len(spec.columns)
    if not spec.header_by_name:
        if header is None or tuple(text(c) for c in header[:width]) != spec.header:
            raise spec.rejected.from_problems(
                [Problem("表头应为：" + "、".join(spec.header) + "（请使用下载的模板）", field="表头", row=1)],
                reason="header",
            )
        return list(range(width))
    if header is None:
        raise spec.rejected.from_problems([Problem("文件为空", field="文件")], message="文件为空。", reason="empty")
    found = [text(c) for c in header]
    missing = [c.header for c in spec.columns if c.required and c.header not in found]
    if missing:
        raise spec.rejected.from_problems(
            [Problem(f"缺少列“{m}”", field="表头", row=1) for m in missing],
            message=f"表头缺少列：{'、'.join(missing)}（请使用模板）。",
            reason="header",
        )
    return [found.index(c.header) if c.header in found else None for c in spec.columns]


def _sheet_of(rows: Iterator[tuple[Any, ...]], spec: SheetSpec) -> Sheet:
    positions = _positions(next(rows, None), spec)
    sheet = Sheet()
    count = 0
    for line, values in enumerate(rows, start=2):
        if not any(v not in (None, "") for v in values):
            continue  # a blank row: Excel keeps formatting rows users never filled
        count += 1
        if count > spec.max_rows:
            raise spec.rejected.from_problems(
                [
                    Problem(
                        f"明细超过 {spec.max_rows:,} 行（{spec.label}每份文件的上限），请分文件报送",
                        field="文件",
                        row=line,
                    )
                ],
                reason="too_many_rows",
            )
        row: dict[str, Any] = {"line": line}
        for column, at in zip(spec.columns, positions):
            value = values[at] if at is not None and at < len(values) else None
            row[column.name], problem = _convert(column, value)
            if problem:
                sheet.problems.append(Problem(problem, field=column.header, row=line))
        sheet.rows.append(row)
    if not sheet.rows:
        raise spec.rejected.from_problems([Problem("没有明细数据", field="文件", row=2)], reason="empty")
    return sheet
