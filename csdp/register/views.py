from django.shortcuts import render

from csdp.accounts.access import STAFF, access_object, allow
from csdp.register.forms import ChangesFilterForm
from csdp.register.selectors import holders_of, holding_changes
from csdp.securities.models import SecuritiesAccount, Security


@allow(STAFF)
def security_positions(request, security_id: int):
    security = access_object(request.user, Security, pk=security_id)
    holders = holders_of(security)
    totals = {name: sum(getattr(h, name) for h in holders) for name in ("quantity", "frozen", "pledged")}
    return render(request, "register/security_positions.html", {"security": security, "holders": holders, "totals": totals})


@allow(STAFF)
def account_changes(request, account_number: str):
    account = access_object(request.user, SecuritiesAccount.objects.select_related("investor"), number=account_number)
    form = ChangesFilterForm(request.GET)
    changes = None
    if form.is_valid():
        changes = holding_changes(account=account, security=form.cleaned_data["security"],
                                  date_from=form.cleaned_data["date_from"], date_to=form.cleaned_data["date_to"])
    return render(request, "register/account_changes.html", {"account": account, "form": form, "changes": changes})
