from django.shortcuts import render

from csdp.accounts.access import STAFF, access_object, allow
from csdp.register.selectors import holders_of
from csdp.securities.models import Security


@allow(STAFF)
def security_positions(request, security_id: int):
    security = access_object(request.user, Security, pk=security_id)
    holders = holders_of(security)
    totals = {name: sum(getattr(h, name) for h in holders) for name in ("quantity", "frozen", "pledged")}
    return render(request, "register/security_positions.html", {"security": security, "holders": holders, "totals": totals})
