"""The exchange's drop folder: the T-day subscription file arriving by file transfer instead of an
upload or the API (issue 5; format in docs/interfaces.md).

Convention with the sender: a file is written under a temporary name and renamed to
``SG<920 code>_<YYYYMMDD>.csv`` when complete (a rename is atomic), so only finished files match.
Each file goes through the same ``offering_subscriptions_load`` as an upload and is moved out of the
inbox: to ``done/`` when loaded, to ``rejected/`` with ``<name>.errors.txt`` listing every error
when refused (nothing of it is loaded); moved names carry the time of the move, so every copy is kept.
A rerun finds an empty inbox: nothing happens twice. If the process dies between the load's commit and
the move, the rerun loads the same file again, which replaces the same rows (the load is idempotent
until T EOD; after it, the file is refused with the reason). Symbolic links and files above
``CSDP_EXCHANGE_FILE_MAX_BYTES`` are refused unread."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings

from csdp.clock.services import clock_now, local
from csdp.ipo.eod.t_day import offering_subscriptions_load
from csdp.ipo.errors import IpoError
from csdp.ipo.subscription.exchange_subscriptions import ExchangeFileRejected
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
    stamp = local(clock_now()).strftime("%Y%m%dT%H%M%S")  # business time, Beijing wall clock
    destination, n = target / f"{path.stem}.{stamp}{path.suffix}", 1
    while destination.exists():  # the same name twice in a second (or on a frozen test clock)
        destination, n = target / f"{path.stem}.{stamp}-{n}{path.suffix}", n + 1
    path.replace(destination)
    return destination


def _reject(path: Path, lines: list[str]) -> InboxResult:
    moved = _move(path, "rejected")
    report = moved.with_name(moved.name + ".errors.txt")
    partial = report.with_name(report.name + ".part")
    partial.write_text("\n".join(lines) + "\n", encoding="utf-8")
    partial.replace(report)  # a reader never sees half a report
    return InboxResult(path.name, loaded=False, error=lines[0])


def _load_one(path: Path, actor) -> InboxResult:
    if path.is_symlink():  # the loader must read only what was dropped, never a file elsewhere
        return _reject(path, ["不接收符号链接，请放入文件本身。"])
    limit = settings.CSDP_EXCHANGE_FILE_MAX_BYTES
    if path.stat().st_size > limit:
        return _reject(path, [f"文件超过 {limit:,} 字节的上限。"])
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


def inbox_scan(directory: Path, *, actor=None, progress=None) -> list[InboxResult]:
    """Load every finished file in ``directory`` (sorted by name) once. ``progress(paths)`` may wrap
    the list of files (the command's progress bar)."""
    if not directory.is_dir():
        raise IpoError(f"申购数据接收目录不存在：{directory}")
    results = []
    paths = sorted(directory.glob("*.csv"))
    for path in progress(paths) if progress else paths:
        if path.is_symlink() or path.is_file():
            try:
                results.append(_load_one(path, actor))
            except FileNotFoundError:  # another watcher took it first
                continue
    return results
