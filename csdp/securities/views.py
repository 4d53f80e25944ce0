from django.shortcuts import render

from csdp.accounts.access import STAFF, Role, access_object, allow
from csdp.securities.lookup import holdings_for
from csdp.securities.models import ParticipantProfile, Security, SecurityCodeChange
from csdp.securities.selectors import accounts_lookup, code_history


@allow(STAFF)
def security_list(request):
    securities = Security.objects.visible_to(request.user).select_related("issuer")
    return render(
        request,
        "securities/security_list.html",
        {"securities": securities, "changes": SecurityCodeChange.objects.visible_to(request.user)},
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
