"""The restrictions' JSON API for members' back offices: the QLBD files (权利限制变动数据) a clearing
participant downloads, as the register's GFBD and the distributions' files (docs/restrictions.md)."""

import datetime as dt
from typing import Any

from django.http.response import HttpResponseBase
from ninja import Query, Router, Schema

from csdp.accounts.access import STAFF, SignedInRequest, access_object, allow
from csdp.accounts.roles import Role
from csdp.lib.cursor import CursorIn, cursor_page, page_of
from csdp.lib.publish import published_file_response
from csdp.restrictions.models import RestrictionFile

router = Router(tags=["权利限制"])


class RestrictionFileOut(Schema):
    id: int
    name: str  # the file's path under the published files
    participant: str
    file_format: str  # dbf, csv
    rows: int
    sha256: str
    business_date: dt.date


@router.get(
    "/files",
    response=page_of(RestrictionFileOut),
    summary="权利限制变动数据文件（QLBD；结算参与人限本机构；按发布先后，游标分页）",
    description="保存最后一次取到的 next_cursor，下次以 cursor=该值查询，只返回其后发布的文件。可按 business_date 筛选。",
)
@allow(STAFF, Role.PARTICIPANT)
def restrictions_files(
    request: SignedInRequest, page: Query[CursorIn], business_date: dt.date | None = None
) -> dict[str, Any]:
    rows = RestrictionFile.objects.visible_to(request.user).select_related("participant")
    if business_date is not None:
        rows = rows.filter(business_date=business_date)
    return cursor_page(rows, page, out=_file_out)


def _file_out(f: RestrictionFile) -> dict[str, Any]:
    return {
        "id": f.pk,
        "name": f.path,
        "participant": f.participant.code,
        "file_format": f.file_format,
        "rows": f.rows,
        "sha256": f.sha256,
        "business_date": f.business_date,
    }


@router.get("/files/{restriction_file_id}/content", summary="下载权利限制变动数据文件（他人的或不存在的文件：404）")
@allow(STAFF, Role.PARTICIPANT)
def restrictions_file_content(request: SignedInRequest, restriction_file_id: int) -> HttpResponseBase:
    record = access_object(request.user, RestrictionFile, pk=restriction_file_id)
    return published_file_response(record.path)
