from django.http import JsonResponse
from django.urls import include, path

from csdp.accounts.access import public
from csdp.api import api


@public
def health(request):
    return JsonResponse({"status": "ok"})


urlpatterns = [
    path("", include("csdp.portal.urls")),
    path("accounts/", include("csdp.accounts.urls")),
    path("calendar/", include("csdp.clock.urls")),
    path("approvals/", include("csdp.approvals.urls")),
    path("files/", include("csdp.uploads.urls")),
    path("notify/", include("csdp.notify.urls")),
    path("keys/", include("csdp.keys.urls")),
    path("counter/", include("csdp.counter.urls")),
    path("issuers/", include("csdp.issuers.urls")),
    path("securities/", include("csdp.securities.urls")),
    path("ledger/", include("csdp.ledger.urls")),
    path("register/", include("csdp.register.urls")),
    path("ipo/", include("csdp.ipo.urls")),
    path("pledge/", include("csdp.pledge.urls")),
    path("restrictions/", include("csdp.restrictions.urls")),
    path("fees/", include("csdp.fees.urls")),
    path("greenshoe/", include("csdp.greenshoe.urls")),
    path("api/v1/", api.urls),
    path("healthz", health, name="health"),
]

handler403 = "csdp.portal.views.forbidden"
handler404 = "csdp.portal.views.not_found"
