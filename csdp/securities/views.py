from django.shortcuts import render

from csdp.accounts.access import STAFF, Role, access_object, allow
from csdp.lib.listing import Column, Listing, listing
from csdp.securities.lookup import holdings_for
from csdp.securities.models import ParticipantProfile, Security, SecurityCodeChange
from csdp.securities.selectors import accounts_lookup, code_history


SECURITY_COLUMNS = [
    Column("code", "证券代码", "code", sort="code"),
    Column("name", "证券简称", "name", sort="name"),
    Column("kind", "类别", "get_kind_display", sort="kind"),
    Column("market", "市场", "get_market_display", sort="market"),
    Column("status", "状态", "get_status_display", sort="status"),
    Column("issuer", "发行人", "issuer.name", sort="issuer__name"),
]


@allow(STAFF)
def security_list(request):
    """The securities master one page at a time (a depository keeps thousands: all of them on one page
    cost ~35 ms of rendering at 300), searchable by code or name, exportable; the code-change table below."""
    securities = Security.objects.visible_to(request.user).select_related("issuer")
    table = listing(
        request,
        securities,
        columns=SECURITY_COLUMNS,
        default_sort="code",
        search=("code", "name"),
        filename="证券信息",
    )
    if not isinstance(table, Listing):  # an export
        return table
    return render(
        request,
        "securities/security_list.html",
        {"table": table, "changes": SecurityCodeChange.objects.visible_to(request.user)},
    )


@allow(STAFF)
def security_detail(request, security_id: int):
    security = access_object(request.user, Security, pk=security_id)
    return render(
        request,
        "securities/security_detail.html",
        {
            "security": security,
            "history": code_history(security),
            "transitions": security.transitions.select_related("actor"),
        },
    )


@allow(STAFF)
def account_lookup(request):
    query = request.GET.get("q", "").strip()
    accounts = list(accounts_lookup(request.user, query)) if query else []
    rows = [(account, holdings_for(account)) for account in accounts]
    return render(request, "securities/account_lookup.html", {"query": query, "rows": rows})


@allow(Role.PARTICIPANT)
def my_custody_units(request):
    profile = ParticipantProfile.objects.visible_to(request.user).filter(institution=request.user.institution).first()
    units = profile.custody_units.all() if profile else []
    return render(request, "securities/my_custody_units.html", {"profile": profile, "units": units})
