"""申请列表 (a member's own applications) and 待办 (staff work queue) gather rows from every app.

An app registers a source: a function (user) -> iterable of WorkItem. The portal pages merge and
sort them, so a new kind of application appears in both lists without touching the portal.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class WorkItem:
    kind: str  # e.g. "机构信息变更申请"
    title: str
    status: str  # display label of the state
    updated_at: datetime
    url: str
    needs_action: bool = False  # the viewer is expected to act (returned to the applicant, pending review …)


Source = Callable[[object], Iterable[WorkItem]]
_MY_APPLICATIONS: list[Source] = []
_STAFF_QUEUE: list[Source] = []


def register_my_applications(source: Source) -> Source:
    if source not in _MY_APPLICATIONS:
        _MY_APPLICATIONS.append(source)
    return source


def register_staff_queue(source: Source) -> Source:
    if source not in _STAFF_QUEUE:
        _STAFF_QUEUE.append(source)
    return source


def _collect(sources: list[Source], user) -> list[WorkItem]:
    items = [item for source in sources for item in source(user)]
    # A source may not know when its row last changed (updated_at None): such rows go last in their group.
    return sorted(items, key=lambda i: (not i.needs_action, -(i.updated_at.timestamp() if i.updated_at else 0)))


def my_applications(user) -> list[WorkItem]:
    return _collect(_MY_APPLICATIONS, user)


def staff_queue(user) -> list[WorkItem]:
    return _collect(_STAFF_QUEUE, user)
