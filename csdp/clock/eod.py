"""End of day: the jobs every trading day's EOD runs, registered by the apps that own them
(`csdp eod run`). Each job is idempotent and resumable on its own; the runner only orders them and
collects what each reports."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class EodLine:
    job: str
    subject: str  # what the line is about (an offering code, "postings" …)
    text: str
    error: str = ""


Job = Callable[[dt.date, object], list[EodLine]]
_JOBS: list[tuple[int, str, Job]] = []


def register_eod_job(*, order: int, name: str, job: Job) -> None:
    if all(existing_name != name for _, existing_name, _ in _JOBS):
        _JOBS.append((order, name, job))


def eod_jobs() -> list[tuple[str, Job]]:
    return [(name, job) for _, name, job in sorted(_JOBS, key=lambda item: item[0])]
