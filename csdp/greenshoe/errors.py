from __future__ import annotations

from dataclasses import dataclass


class GreenshoeError(Exception):
    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class RowError:
    line: int  # the Excel row (the header is row 1); 0 for the file as a whole
    column: str
    message: str


class FilingRejected(Exception):
    """A filing with any error is refused whole; ``errors`` lists every one of them."""

    def __init__(self, errors: list[RowError]):
        self.errors = errors
        super().__init__("；".join(f"第 {e.line} 行 {e.column}：{e.message}" for e in errors[:20]))
