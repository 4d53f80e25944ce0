"""Every file published to a clearing participant on a business day, whichever app wrote it: the IPO's
participant files, the register's GFBD, the restrictions' QLBD and the distributions' QYMX/QYHZ/QYZC.

Each app keeps its own file model (the row is recorded in the step that wrote the bytes) and registers a
source here, at import of the module that writes its files; the day's manifest (csdp.ipo.eod.reconcile)
reads them all, so a participant reconciles one list against what it downloaded. A source reads the
database only: nothing is kept in process memory but the list of sources, which every process builds the
same way when its apps load.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from csdp.securities.models import ParticipantProfile


@dataclass(frozen=True)
class DayFile:
    app: str  # the app that published it (its own file table and API): ipo, register, restrictions, dividend
    file_id: int  # the file's id in that app's table
    name: str  # the file's path under the published files: <…>/<YYYYMMDD>/<participant>/<file>
    file_type: str  # GFBD, QLBD, QYMX, … (docs/interfaces.md)
    file_format: str  # dbf, csv
    rows: int
    sha256: str  # of the bytes written
    content_url: str  # where the API gives its bytes (token authentication)


Source = Callable[[ParticipantProfile, dt.date], Iterable[DayFile]]
_SOURCES: dict[str, Source] = {}  # by the source's module and name: a module imported again replaces its own


def day_files_source(source: Source) -> Source:
    """Register an app's files of a participant's day (a decorator)."""
    _SOURCES[f"{source.__module__}.{source.__qualname__}"] = source
    return source


def day_files(participant: ParticipantProfile, day: dt.date) -> list[DayFile]:
    """The participant's published files of ``day``, from every app, by name."""
    return sorted((f for source in _SOURCES.values() for f in source(participant, day)), key=lambda f: f.name)
