"""The counter over JSON: a filer's (or staff's) applications with their rounds, and the catalogue.
Reads only; filing goes through the pages, where the USB-KEY signs the submission."""

import datetime as dt

from ninja import Query, Router, Schema

from csdp.accounts.access import ANY_ROLE, access_object, allow
from csdp.counter import selectors
from csdp.counter.models import Application, BusinessType
from csdp.lib.cursor import CursorIn, cursor_page, page_of

router = Router(tags=["发行人虚拟柜台"])


class ApplicationOut(Schema):
    id: int
    reference: str
    business_type: str
    business_type_name: str
    securities_code: str
    status: str
    status_label: str
    status_since: dt.datetime
    created_at: dt.datetime
    finished_at: dt.datetime | None


class FileOut(Schema):
    id: int
    name: str
    detected_type: str
    sha256: str
    size_bytes: int


class OpinionOut(Schema):
    kind: str
    text: str
    created_at: dt.datetime


class RoundOut(Schema):
    number: int
    remark: str
    data: dict
    digest: str
    signed_at: dt.datetime | None
    files: list[FileOut]
    opinions: list[OpinionOut]


class ApplicationDetailOut(ApplicationOut):
    rounds: list[RoundOut]
    results: list[FileOut]


class BusinessTypeOut(Schema):
    code: str
    name: str
    guide: str
    filer_kinds: list[str]
    structured: bool


def _summary(a: Application) -> dict:
    return {
        "id": a.pk,
        "reference": a.reference,
        "business_type": a.business_type.code,
        "business_type_name": a.business_type.name,
        "securities_code": a.securities_code,
        "status": a.status,
        "status_label": a.get_status_display(),
        "status_since": a.status_since,
        "created_at": a.created_at,
        "finished_at": a.finished_at,
    }


def _file(row) -> dict:
    f = row.stored_file
    return {
        "id": row.pk,
        "name": f.original_name,
        "detected_type": f.detected_type,
        "sha256": f.sha256,
        "size_bytes": f.size_bytes,
    }


@router.get("/applications", response=page_of(ApplicationOut), summary="业务列表（游标分页）")
@allow(ANY_ROLE)
def counter_applications(
    request, page: Query[CursorIn], status: str = "", business_type: str = "", securities_code: str = ""
):
    filters = selectors.ListFilters(status=status, business_type=business_type, securities_code=securities_code)
    rows = selectors.apply_filters(
        Application.objects.visible_to(request.user).select_related("business_type"), filters
    )
    return cursor_page(rows, page, out=_summary)


@router.get("/applications/{application_id}", response=ApplicationDetailOut, summary="业务申请详情")
@allow(ANY_ROLE)
def counter_application(request, application_id: int):
    application = access_object(request.user, Application.objects.select_related("business_type"), pk=application_id)
    detail = selectors.application_detail(application)
    files = {f.pk for f in application.files.visible_to(request.user)}
    rounds = [
        {
            "number": r.number,
            "remark": r.remark,
            "data": r.data,
            "digest": r.digest,
            "signed_at": r.signed_at,
            "files": [_file(f) for f in r.attachment_rows],
            "opinions": [{"kind": o.kind, "text": o.text, "created_at": o.created_at} for o in r.opinions.all()],
        }
        for r in detail["rounds"]
    ]
    return {
        **_summary(application),
        "rounds": rounds,
        "results": [_file(f) for f in detail["results"] if f.pk in files],
    }


@router.get("/business-types", response=page_of(BusinessTypeOut), summary="业务类型目录（游标分页）")
@allow(ANY_ROLE)
def counter_business_types(request, page: Query[CursorIn]):
    return cursor_page(BusinessType.objects.filter(is_active=True), page, out=_business_type)


def _business_type(t: BusinessType) -> dict:
    return {
        "code": t.code,
        "name": t.name,
        "guide": t.guide,
        "filer_kinds": sorted(t.effective_filer_kinds()),
        "structured": t.spec is not None and t.spec.form_class is not None,
    }
