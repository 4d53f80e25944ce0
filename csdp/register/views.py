from django.core.paginator import Paginator
from django.shortcuts import render

from csdp.accounts.access import STAFF, access_object, allow
from csdp.register.forms import ChangesFilterForm
from csdp.register.selectors import holders_page_query, holder_of, holder_totals, holding_changes
from csdp.securities.models import SecuritiesAccount, Security

HOLDERS_PER_PAGE = 100


@allow(STAFF)
def security_positions(request, security_id: int):
    security = access_object(request.user, Security, pk=security_id)
    # A million holders: totals in the database, one page of holders at a time (docs/performance.md).
    page = Paginator(holders_page_query(security), HOLDERS_PER_PAGE).get_page(request.GET.get("page"))
    holders = [holder_of(p) for p in page]
    return render(request, "register/security_positions.html",
                  {"security": security, "holders": holders, "page": page, "totals": holder_totals(security)})


@allow(STAFF)
def account_changes(request, account_number: str):
    account = access_object(request.user, SecuritiesAccount.objects.select_related("investor"), number=account_number)
    form = ChangesFilterForm(request.GET)
    changes = None
    if form.is_valid():
        changes = holding_changes(account=account, security=form.cleaned_data["security"],
                                  date_from=form.cleaned_data["date_from"], date_to=form.cleaned_data["date_to"])
    return render(request, "register/account_changes.html", {"account": account, "form": form, "changes": changes})
