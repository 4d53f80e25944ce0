"""The one error type of CSDP.

Every refusal a user can see is a ``CsdpError``: a stable machine ``code`` (``"ipo.late_confirmation"``),
a Chinese ``message`` for people, and optional ``problems`` — one per field or per row — so that an
import lists every bad row at once. Each edge translates it once: pages show the message (and the
problems) through ``csdp.lib.web``, the API returns ``{code, detail, problems}`` with the error's
``status`` (csdp/api.py), the command line prints the message and exits with ``exit_code``.

A domain error is a few lines::

    class IpoError(CsdpError):
        code = "ipo.refused"

    raise IpoError("申购文件已导入，不能再确认T-1日申请。", code="ipo.late_confirmation")
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the input: a field of a form, a row (1-based, as a spreadsheet counts) of
    a file, or both. ``message`` is Chinese and names the value so a user can fix it without us."""

    message: str
    field: str | None = None
    row: int | None = None

    def as_dict(self) -> dict[str, str | int | None]:
        return {"message": self.message, "field": self.field, "row": self.row}

    def __str__(self) -> str:
        where = []
        if self.row is not None:
            where.append(f"第{self.row}行")
        if self.field:
            where.append(self.field)
        return f"{'，'.join(where)}：{self.message}" if where else self.message


class CsdpError(Exception):
    """A refused operation. Subclass per domain to set the default ``code`` and ``status``.

    ``status`` is the HTTP status the API answers with (422: the request was understood but refused;
    404 / 403 / 409 where a subclass means those). ``exit_code`` is the command line's.
    """

    code: str = "refused"
    status: int = 422
    exit_code: int = 2

    def __init__(
        self,
        message: str,
        *,
        code: str | None = None,
        problems: Iterable[Problem] = (),
        status: int | None = None,
    ):
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code
        if status is not None:
            self.status = status
        self.problems: tuple[Problem, ...] = tuple(problems)

    def as_dict(self) -> dict[str, object]:
        """The API's one error shape (docs/architecture.md, "Errors")."""
        return {"code": self.code, "detail": self.message, "problems": [p.as_dict() for p in self.problems]}

    def __str__(self) -> str:
        if not self.problems:
            return self.message
        return self.message + "\n" + "\n".join(str(p) for p in self.problems)


class NotFound(CsdpError):
    code = "not_found"
    status = 404


class NotAuthenticated(CsdpError):
    code = "not_authenticated"
    status = 401


class Forbidden(CsdpError):
    code = "forbidden"
    status = 403


class Conflict(CsdpError):
    """The request is valid but the object's current state refuses it (e.g. a concurrent change)."""

    code = "conflict"
    status = 409


def refuse_if(problems: list[Problem], message: str, *, code: str, error: type[CsdpError] = CsdpError) -> None:
    """Raise ``error`` listing every problem at once, if there is any (imports: refuse the file whole)."""
    if problems:
        raise error(message, code=code, problems=problems)
