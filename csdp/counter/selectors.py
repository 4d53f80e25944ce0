"""Reads of the virtual counter: the catalogue a filer may use, 业务列表, the staff queue, history."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import NamedTuple

from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.urls import reverse

from csdp.clock.services import SHANGHAI, clock_now
from csdp.counter.models import Application, ApplicationFile, BusinessType, FilePurpose, Transition
from csdp.counter.states import FILER_TURN, STAFF_TURN, Status
from csdp.issuers.selectors import issuer_securities_codes
from csdp.securities.models import Security, SecurityStatus
from django.contrib.auth import get_user_model


CLOSED_STATUSES = (SecurityStatus.DELISTED, SecurityStatus.SWITCHED)


def securities_codes_for(institution) -> list[str]:
    """The codes the filer owns (000 §三(一)4). Issuers: their own codes from csdp.issuers — a closed one too
    (its final 持有人名册 is still the issuer's to query)."""
    return list(issuer_securities_codes(institution))


def securities_codes_to_pick(institution) -> list[str]:
    """The codes a new application offers: the filer's own, but those the securities master has closed
    (已退出登记, 已转换代码), for which no business is filed any more. A code not (yet) in the master stays:
    its 股份初始登记 says what is missing."""
    codes = securities_codes_for(institution)
    closed = set(Security.objects.filter(code__in=codes, status__in=CLOSED_STATUSES).values_list("code", flat=True))
    return [c for c in codes if c not in closed]


def business_types_for(user) -> list[BusinessType]:
    """Active catalogue rows the user's institution kind may file."""
    kind = user.institution.kind if getattr(user, "institution_id", None) else None
    return [t for t in BusinessType.objects.filter(is_active=True) if kind in t.effective_filer_kinds()]


def _list_queryset() -> QuerySet:
    return Application.objects.select_related("business_type", "filed_by", "assignee", "filer_institution")


@dataclass(frozen=True)
class ListFilters:
    status: str = ""
    business_type: str = ""  # catalogue code
    securities_code: str = ""
    date_from: dt.date | None = None
    date_to: dt.date | None = None


def _day_start(day: dt.date) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, tzinfo=SHANGHAI)


def apply_filters(queryset: QuerySet, filters: ListFilters) -> QuerySet:
    if filters.status:
        queryset = queryset.filter(status=filters.status)
    if filters.business_type:
        queryset = queryset.filter(business_type__code=filters.business_type)
    if filters.securities_code:
        queryset = queryset.filter(securities_code=filters.securities_code)
    if filters.date_from:
        queryset = queryset.filter(created_at__gte=_day_start(filters.date_from))
    if filters.date_to:
        queryset = queryset.filter(created_at__lt=_day_start(filters.date_to + dt.timedelta(days=1)))
    return queryset


def filer_applications(user, filters: ListFilters) -> QuerySet:
    """业务列表: the applications of the user's institution, filtered, newest first."""
    results = ApplicationFile.objects.filter(application=OuterRef("pk"), purpose=FilePurpose.RESULT)
    return apply_filters(_list_queryset().visible_to(user), filters).annotate(has_results=Exists(results))


def status_counts(queryset: QuerySet) -> dict[str, int]:
    """{status: count} over a list (before its status filter), with every status present."""
    counts = dict(queryset.order_by().values_list("status").annotate(n=Count("id")))
    return {status: counts.get(status, 0) for status in Status.values}


QUEUE_VIEWS = {
    "todo": "待办",  # waiting for staff, assigned to me or to no one
    "mine": "我的在办",  # assigned to me, not final
    "all": "全部在办",  # waiting for staff, whoever holds it
    "done": "已办",  # applications I moved at least once
}


def staff_queue(user, view: str, filters: ListFilters) -> QuerySet:
    queryset = apply_filters(_list_queryset(), filters)
    if view == "done":
        mine = Transition.objects.filter(application=OuterRef("pk"), actor=user)
        return queryset.filter(Exists(mine))
    if view == "mine":
        return queryset.filter(assignee=user).exclude(status__in=[Status.FINISHED, Status.WITHDRAWN])
    waiting = queryset.filter(status__in=STAFF_TURN)
    if view == "all":
        return waiting.order_by("status_since")
    return for_handler(waiting, user).order_by("status_since")


def for_handler(queryset: QuerySet, user) -> QuerySet:
    """待办 of one staff member: assigned to them, or unassigned of a type they handle (a type
    without named handlers is open to every operator)."""
    through = BusinessType.handlers.through
    handled_by_user = through.objects.filter(businesstype_id=OuterRef("business_type_id"), user_id=user.pk)
    has_handlers = through.objects.filter(businesstype_id=OuterRef("business_type_id"))
    open_to_user = Q(assignee__isnull=True) & (Exists(handled_by_user) | ~Exists(has_handlers))
    return queryset.filter(Q(assignee=user) | open_to_user)


def time_in_state(application: Application, now: dt.datetime | None = None) -> dt.timedelta:
    return (now or clock_now()) - application.status_since


def duration_label(delta: dt.timedelta) -> str:
    """停留时间 as staff read it: "2 天 2 小时", "3 小时 5 分", "12 分"."""
    minutes = max(int(delta.total_seconds() // 60), 0)
    days, minutes = divmod(minutes, 24 * 60)
    hours, minutes = divmod(minutes, 60)
    if days:
        return f"{days} 天 {hours} 小时"
    return f"{hours} 小时 {minutes} 分" if hours else f"{minutes} 分"


def handler_choices() -> QuerySet:
    return get_user_model().objects.filter(staff_role__in=["operator", "admin"], is_active=True).order_by("username")


def application_detail(application: Application) -> dict:
    """Everything the application page shows, in a fixed number of queries."""
    rounds = list(
        application.rounds.select_related("signature", "created_by")
        .prefetch_related("opinions__author")
        .order_by("number")
    )
    files = list(application.files.select_related("stored_file", "added_by"))
    for r in rounds:
        mine = [f for f in files if f.round_id == r.pk]
        r.attachment_rows = [f for f in mine if f.purpose == FilePurpose.ATTACHMENT]
        r.data_rows = structured_rows(
            application.business_type, r.data, data_files=[f for f in mine if f.purpose == FilePurpose.DATA]
        )
    opinions = [o for r in rounds for o in r.opinions.all()]
    spec = application.business_type.spec
    return {
        "rounds": rounds,
        "results": [f for f in files if f.purpose == FilePurpose.RESULT],
        "history": application_history(application),
        # the opinion the filer must act on (a return, by the handler or by the reviewer of its effect)
        "returned_by": max(opinions, key=lambda o: o.pk)
        if application.status == Status.RETURNED and opinions
        else None,
        "progress": [Line(*row) for row in spec.progress(application)] if spec and spec.progress else [],
    }


class Line(NamedTuple):
    """One line of a round's structured content as its reader reads it: a Chinese label, the value, a link."""

    label: str
    value: str
    href: str = ""


def _shown(name: str, field, value) -> str:
    """A form value in the reader's words: 是/否, quantities with separators, a choice's label."""
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, int) and not name.endswith("_id"):  # an id (``posting_id``) is a number, not a quantity
        return f"{value:,}"
    choices = dict(getattr(field, "choices", []) or [])
    return str(choices.get(value, value))


def structured_rows(business_type: BusinessType, data: dict, *, data_files=()) -> list[Line]:
    """A round's structured content as lines labelled by the type's own form. A key the form has no field
    for is the type's machine data (the business code, the file's name and digest, the sheet's rows: signed
    with the round, read by programs) and is not shown; the type says what it derives from it
    (``derived_rows``). ``data_files``: the round's 申报数据文件 rows, each shown with its download link."""
    spec = business_type.spec
    if not data or spec is None or spec.form_class is None:
        return []
    fields = spec.form_class().fields
    rows = []
    for key, value in data.items():
        field = fields.get(key)
        if field is None:
            continue
        if isinstance(value, (list, dict)):  # a data sheet's rows (up to 100k): their count, not their text
            if value:
                rows.append(Line(str(field.label), f"{len(value):,} 行"))
            continue
        rows.append(Line(str(field.label), _shown(key, field, value)))
    if spec.derived_rows is not None:
        rows += [Line(*row) for row in spec.derived_rows(data)]
    for f in data_files:
        rows.append(Line("申报文件", f.stored_file.original_name, reverse("counter:file_download", args=[f.pk])))
        rows.append(Line("申报文件 SHA-256", f.stored_file.sha256))
    return rows


@dataclass(frozen=True)
class HistoryEntry:
    at: dt.datetime
    actor: str
    action: str
    detail: str


def application_history(application: Application) -> list[HistoryEntry]:
    """State changes and assignments in order, from the append-only rows."""
    entries = [HistoryEntry(application.created_at, str(application.filed_by), "创建申请（待确认提交）", "")]
    entries += [
        HistoryEntry(t.at, str(t.actor), f"{Status(t.from_state).label} → {Status(t.to_state).label}", t.reason)
        for t in application.transitions.select_related("actor")
    ]
    entries += [
        HistoryEntry(a.at, str(a.assigned_by), f"分派给 {a.assignee}", a.reason)
        for a in application.assignments.select_related("assignee", "assigned_by")
    ]
    return sorted(entries, key=lambda e: e.at)


def needs_filer_action(application: Application) -> bool:
    return application.status in FILER_TURN
