"""The JSON API (django-ninja), OpenAPI at /api/v1/openapi.json.

Authentication: the browser session (CSRF-checked by ninja's SessionAuth) or an API token
(`Authorization: Bearer <token>`) for participants' back offices. Each handler declares its roles
with csdp.accounts.access.allow, like the pages; each app adds its router in csdp/api.py below.
"""

from ninja import NinjaAPI
from ninja.security import SessionAuth

from csdp.accounts.api import TokenAuth, router as accounts_router
from csdp.clock.api import router as clock_router
from csdp.counter.api import router as counter_router
from csdp.dividend.api import router as dividend_router
from csdp.ipo.api import router as ipo_router
from csdp.issuers.api import router as issuers_router
from csdp.keys.api import router as keys_router
from csdp.ledger.api import router as ledger_router
from csdp.fees.api import router as fees_router
from csdp.greenshoe.api import router as greenshoe_router
from csdp.pledge.api import router as pledge_router
from csdp.register.api import router as register_router
from csdp.restrictions.api import router as restrictions_router
from csdp.lib import apierrors


class CsdpAPI(NinjaAPI):
    def get_openapi_schema(self, **kwargs):
        return apierrors.document(super().get_openapi_schema(**kwargs))


api = CsdpAPI(
    title="CSDP API",
    version="1",
    description="中央证券存管平台 JSON 接口。所有错误以 {code, detail, problems} 返回：code 为稳定的机器码，detail 为中文说明，problems 列出每个字段或行的问题（message, field, row）。",
    urls_namespace="api",
    # Token first: a back office's bearer POST carries no CSRF cookie, and SessionAuth would refuse it.
    auth=[TokenAuth(), SessionAuth()],
    docs_url="/docs",
)
apierrors.install(api)
api.add_router("/", accounts_router)
api.add_router("/calendar", clock_router)
api.add_router("/counter", counter_router)
api.add_router("/dividend", dividend_router)
api.add_router("/ipo", ipo_router)
api.add_router("/issuers", issuers_router)
api.add_router("/keys", keys_router)
api.add_router("/ledger", ledger_router)
api.add_router("/fees", fees_router)
api.add_router("/greenshoe", greenshoe_router)
api.add_router("/pledge", pledge_router)
api.add_router("/register", register_router)
api.add_router("/restrictions", restrictions_router)
