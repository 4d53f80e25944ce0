"""A URLconf for tests/accounts/test_api.py: one POST handler behind the project API's own
authenticators (csdp.api.api.auth), because the API has no POST handler of its own yet."""

from django.urls import include, path
from ninja import NinjaAPI

from csdp.accounts.access import ANY_ROLE, allow
from csdp.api import api as project_api

probe = NinjaAPI(urls_namespace="csrf_probe", auth=project_api.auth)


@probe.post("/echo")
@allow(ANY_ROLE)
def echo(request):
    return {"username": request.user.username}


urlpatterns = [path("probe/", probe.urls), path("", include("csdp.urls"))]
