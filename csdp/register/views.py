from django.contrib import messages
from django.http import HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import render

from csdp.lib.listing import Column, Listing, listing
from csdp.accounts.access import STAFF, SignedInRequest, access_object, allow
from csdp.lib.errors import CsdpError
from csdp.lib.publish import published_file_response
from csdp.register.forms import ChangesFilterForm, HolderSearchForm, RosterQueryForm
from csdp.register.issuer_businesses import BUSINESSES, WITH_ROWS
from csdp.register.issuer_sheet import template_bytes
from csdp.register.models import HoldingChangeFile, RosterQuery
from csdp.register.queries import roster_deliver
from csdp.register.selectors import CHANGES_PAGE, holders_page, holding_changes
from csdp.securities.models import SecuritiesAccount, Security
from urllib.parse import quote


@allow(STAFF)
def security_positions(request: SignedInRequest, security_id: int) -> HttpResponse:
    """A security's holders, one page at a time (keyset on account), searchable."""
    security = access_object(request.user, Security, pk=security_id)
    form = HolderSearchForm(request.GET)
    data = form.cleaned_data if form.is_valid() else {}
    page = holders_page(security, after=data.get("after"), q=(data.get("q") or "").strip())
    return render(
        request,
        "register/security_positions.html",
        {"security": security, "page": page, "form": form, "q": data.get("q") or ""},
    )


@allow(STAFF)
def account_changes(request: SignedInRequest, account_number: str) -> HttpResponse:
    account = access_object(request.user, SecuritiesAccount.objects.select_related("investor"), number=account_number)
    form = ChangesFilterForm(request.GET)
    changes, offset = None, 0
    if form.is_valid():
        offset = max(int(request.GET.get("offset", "0") or 0) if request.GET.get("offset", "0").isdigit() else 0, 0)
        changes = holding_changes(
            account=account,
            security=form.cleaned_data["security"],
            limit=CHANGES_PAGE,
            offset=offset,
            date_from=form.cleaned_data["date_from"],
            date_to=form.cleaned_data["date_to"],
        )
    query = request.GET.copy()
    query.pop("offset", None)
    return render(
        request,
        "register/account_changes.html",
        {
            "account": account,
            "form": form,
            "changes": changes,
            "offset": offset,
            "next_offset": offset + CHANGES_PAGE if changes and changes.truncated else None,
            "prev_offset": max(offset - CHANGES_PAGE, 0) if offset else None,
            "query": query.urlencode(),
        },
    )


@allow({"issuer"} | STAFF)
def roster_query(request: SignedInRequest) -> HttpResponseBase:
    """信息查询: the 证券持有人名册 as of a day's end or the 持股变动 of a period, downloaded at once.

    A submission always carries ``kind`` (a select sends its value); a link (the staff holders page's
    ``?code=``) only prefills, and the list's own ``?sort=``/``?page=`` bind nothing, so neither shows
    errors for fields nobody has filled in yet."""
    if "kind" in request.GET:
        form = RosterQueryForm(request.GET)
    else:
        form = RosterQueryForm(
            initial={name: request.GET[name] for name in RosterQueryForm.base_fields if name in request.GET}
        )
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        try:
            delivery = roster_deliver(
                user=request.user,
                security=data["code"],
                kind=data["kind"],
                as_of=data["as_of"],
                file_format=data["file_format"],
                top=data.get("top"),
                date_from=data.get("date_from"),
            )
        except CsdpError as error:
            messages.error(request, error.message)
        else:
            response = HttpResponse(delivery.content, content_type=delivery.content_type)
            response["Content-Disposition"] = _attachment(delivery.name)
            return response
    asked = listing(
        request,
        RosterQuery.objects.visible_to(request.user).select_related("security", "asked_by"),
        columns=[
            Column("asked_at", "时间", "asked_at", sort="asked_at"),
            Column("asked_by", "查询人", "asked_by.username", sort="asked_by__username"),
            Column("security", "证券", "security.code", sort="security__code"),
            Column("kind", "类型", "get_kind_display", sort="kind"),
            Column("as_of", "日期", "as_of", sort="as_of"),
            Column("rows", "记录数", "rows", sort="rows", numeric=True),
        ],
        default_sort="-asked_at",
        search=("security__code", "asked_by__username"),
        filename="名册查询记录",
    )
    if not isinstance(asked, Listing):  # an export
        return asked
    return render(request, "register/roster_query.html", {"form": form, "asked": asked})


def _attachment(name: str) -> str:
    return f"attachment; filename*=UTF-8''{quote(name)}"


@allow({"issuer"} | STAFF)
def business_template(request: SignedInRequest) -> HttpResponse:
    """The Excel data template of the register businesses 01–04 (?code=01)."""
    business = BUSINESSES.get(request.GET.get("code", "01"))
    if business not in WITH_ROWS:
        business = BUSINESSES["01"]
    response = HttpResponse(
        template_bytes(f"{business.code} {business.label} 持有明细数据模板"),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = _attachment(f"{business.code}_{business.label}_数据模板.xlsx")
    return response


@allow({"participant"} | STAFF)
def holding_files(request: SignedInRequest) -> HttpResponseBase:
    """持股变动数据文件 (GFBD): a participant's own, newest first; staff see all."""
    files = listing(
        request,
        HoldingChangeFile.objects.visible_to(request.user).select_related("security", "participant"),
        columns=[
            Column("date", "生效日期", "business_date", sort="business_date"),
            Column("security", "证券", "security.code", sort="security__code"),
            Column("business", "业务", "business", sort="business"),
            Column("participant", "结算参与人", "participant", sort="participant__code"),
            Column("format", "格式", "file_format", sort="file_format"),
            Column("rows", "记录数", "rows", sort="rows", numeric=True),
        ],
        default_sort="-date",
        search=("security__code", "participant__code", "business"),
        filename="持股变动数据文件",
    )
    if not isinstance(files, Listing):  # an export
        return files
    return render(request, "register/holding_files.html", {"files": files})


@allow({"participant"} | STAFF)
def holding_file_download(request: SignedInRequest, holding_file_id: int) -> HttpResponseBase:
    row = access_object(request.user, HoldingChangeFile, pk=holding_file_id)
    return published_file_response(row.path)
