"""The exchange's drop folder: the T-day subscription file arriving by file transfer instead of an
upload or the API (issue 5; format in docs/interfaces.md).

Convention with the sender: a file is written under a temporary name and renamed to
``SG<920 code>_<YYYYMMDD>.csv`` when complete (a rename is atomic), so only finished files match.
Each file goes through the same ``offering_subscriptions_load`` as an upload and is moved out of the
inbox: to ``done/`` when loaded, to ``rejected/`` with ``<name>.errors.txt`` listing every error
when refused (nothing of it is loaded). A rerun finds an empty inbox: nothing happens twice."""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from csdp.ipo.errors import IpoError
from csdp.ipo.exchange_file import ExchangeFileRejected
from csdp.ipo.eod.t_day import offering_subscriptions_load
from csdp.ipo.models import Offering

NAME = re.compile(r"^SG(?P<code>920\d{3})_(?P<day>\d{8})\.csv$")


@dataclass(frozen=True)
class InboxResult:
    name: str
    loaded: bool
    rows: int = 0
    error: str = ""


def _errors_of(refused: ExchangeFileRejected) -> list[str]:
    lines = [f"第 {e.row} 行 {e.column}：{e.message}" if e.row else f"{e.column}：{e.message}" for e in refused.errors]
    if refused.total > len(refused.errors):
        lines.append(f"（共 {refused.total} 处错误，以上列出前 {len(refused.errors)} 处）")
    return lines


def _move(path: Path, folder: str) -> Path:
    target = path.parent / folder
    target.mkdir(exist_ok=True)
    destination = target / path.name
    path.replace(destination)  # a later file of the same name replaces an older one there
    return destination


def _reject(path: Path, lines: list[str]) -> InboxResult:
    moved = _move(path, "rejected")
    moved.with_name(moved.name + ".errors.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return InboxResult(path.name, loaded=False, error=lines[0])


def _load_one(path: Path, actor) -> InboxResult:
    match = NAME.match(path.name)
    if match is None:
        return _reject(path, ["文件名应为 SG<证券代码>_<申购日 YYYYMMDD>.csv。"])
    offering = Offering.objects.filter(code=match["code"]).first()
    if offering is None:
        return _reject(path, [f"没有证券代码为 {match['code']} 的发行。"])
    if offering.t_date.strftime("%Y%m%d") != match["day"]:
        return _reject(path, [f"文件名中的日期 {match['day']} 不是该发行的申购日 {offering.t_date:%Y%m%d}。"])
    try:
        rows = offering_subscriptions_load(offering=offering, path=path, actor=actor)
    except ExchangeFileRejected as refused:
        return _reject(path, _errors_of(refused))
    except IpoError as error:
        return _reject(path, [error.message])
    _move(path, "done")
    return InboxResult(path.name, loaded=True, rows=rows)


def inbox_scan(directory: Path, *, actor=None) -> list[InboxResult]:
    """Load every finished file in ``directory`` (sorted by name) once."""
    if not directory.is_dir():
        raise IpoError(f"申购数据接收目录不存在：{directory}")
    return [_load_one(path, actor) for path in sorted(directory.glob("*.csv")) if path.is_file()]
