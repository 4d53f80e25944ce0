"""申请列表 (a member's own applications) and 待办 (staff work queue) gather rows from every app.

An app registers a source: a function (user) -> iterable of WorkItem. The portal pages merge and
sort them, so a new kind of application appears in both lists without touching the portal. A source
whose rows can run into thousands (postings awaiting review) returns ``WorkRows``: its rows stay a
query until a page asks, so the home page counts them and builds only the few items it shows.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db.models import Q, QuerySet


@dataclass(frozen=True)
class WorkItem:
    kind: str  # e.g. "机构信息变更申请"
    title: str
    status: str  # display label of the state
    updated_at: datetime
    url: str
    needs_action: bool = False  # the viewer is expected to act (returned to the applicant, pending review …)


@dataclass(frozen=True)
class WorkRows:
    """A source's rows left in the database. The 待办 / 申请列表 page takes the first ``limit`` of them;
    the home page counts those needing action and builds items for its first few only (issue 18: the
    staff home built 200 items of 5,000 postings awaiting review to show 8)."""

    rows: QuerySet  # ordered: the row to act on first comes first
    item: Callable[[Any], WorkItem]
    limit: int = 200
    action: Q | None = None  # the rows that need the viewer's action; None: every row
    label: str = ""  # what the rows are, for the note when the 待办 page lists only the first ``limit``
    full_list: str = ""  # the page that lists every row (its URL)

    def __iter__(self) -> Iterator[WorkItem]:
        return iter([self.item(row) for row in self.rows[: self.limit]])

    def needing_action(self, first: int) -> tuple[list[WorkItem], int]:
        """The first ``first`` items needing action, and how many rows need action in all."""
        rows = self.rows if self.action is None else self.rows.filter(self.action)
        items = [self.item(row) for row in rows[:first]]
        return items, (rows.count() if len(items) == first else len(items))


@dataclass(frozen=True)
class WorkListCut:
    """A source with more rows than the 待办 / 申请列表 page lists: said on the page, never cut silently."""

    label: str
    shown: int
    total: int
    full_list: str


@dataclass(frozen=True)
class WorkSummary:
    """What the home page shows of a work list: its first items needing action and their number."""

    first: list[WorkItem]
    total: int


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


def _sorted(items: list[WorkItem]) -> list[WorkItem]:
    # A source may not know when its row last changed (updated_at None): such rows go last in their group.
    return sorted(items, key=lambda i: (not i.needs_action, -(i.updated_at.timestamp() if i.updated_at else 0)))


def _collect(sources: list[Source], user) -> list[WorkItem]:
    return _collect_with_cuts(sources, user)[0]


def _collect_with_cuts(sources: list[Source], user) -> tuple[list[WorkItem], list[WorkListCut]]:
    items: list[WorkItem] = []
    cuts: list[WorkListCut] = []
    for source in sources:
        found = source(user)
        if not isinstance(found, WorkRows):
            items += found
            continue
        rows = list(found.rows[: found.limit + 1])  # one more row says whether there are more
        if len(rows) > found.limit:
            rows = rows[: found.limit]
            cuts.append(WorkListCut(found.label, found.limit, found.rows.count(), found.full_list))
        items += [found.item(row) for row in rows]
    return _sorted(items), cuts


def _summary(sources: list[Source], user, first: int) -> WorkSummary:
    """Each source's first items needing action (in its own order: the one to act on first), merged
    and sorted as the full list sorts them, and every source's count of rows needing action."""
    shown: list[WorkItem] = []
    total = 0
    for source in sources:
        found = source(user)
        if isinstance(found, WorkRows):
            items, count = found.needing_action(first)
        else:
            items = [i for i in found if i.needs_action]
            count = len(items)
        shown += items[:first]
        total += count
    return WorkSummary(_sorted(shown)[:first], total)


def my_applications(user) -> list[WorkItem]:
    return _collect(_MY_APPLICATIONS, user)


def staff_queue(user) -> list[WorkItem]:
    return _collect(_STAFF_QUEUE, user)


def my_applications_with_cuts(user) -> tuple[list[WorkItem], list[WorkListCut]]:
    return _collect_with_cuts(_MY_APPLICATIONS, user)


def staff_queue_with_cuts(user) -> tuple[list[WorkItem], list[WorkListCut]]:
    return _collect_with_cuts(_STAFF_QUEUE, user)


def my_applications_summary(user, first: int) -> WorkSummary:
    return _summary(_MY_APPLICATIONS, user, first)


def staff_queue_summary(user, first: int) -> WorkSummary:
    return _summary(_STAFF_QUEUE, user, first)
