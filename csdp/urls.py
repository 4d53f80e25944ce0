from django.urls import include, path

from csdp.api import api
from csdp.ops import views as ops_views

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
    path("dividend/", include("csdp.dividend.urls")),
    path("api/v1/", api.urls),
    path("healthz", ops_views.healthz, name="health"),
    path("readyz", ops_views.readyz, name="ready"),
    path("metrics", ops_views.metrics, name="metrics"),
]

handler403 = "csdp.portal.views.forbidden"
handler404 = "csdp.portal.views.not_found"
handler500 = "csdp.ops.views.server_error"
