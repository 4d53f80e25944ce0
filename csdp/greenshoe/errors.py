from __future__ import annotations

from dataclasses import dataclass

from csdp.lib.errors import CsdpError, Problem
from csdp.lib.sheets import SheetRejected


class GreenshoeError(CsdpError):
    code = "greenshoe.refused"


@dataclass(frozen=True)
class RowError:
    line: int  # the Excel row (the header is row 1); 0 for the file as a whole
    column: str
    message: str


class FilingRejected(SheetRejected):
    """A filing with any error is refused whole; ``errors`` (also ``problems``) lists every one."""

    code = "greenshoe.filing_rejected"

    def __init__(self, errors: list[RowError]):
        super().__init__(
            [Problem(e.message, field=e.column, row=e.line or None) for e in errors],
            message=f"申报文件未通过校验（共 {len(errors)} 处错误），整份文件未接收。",
        )
        self.errors = errors
