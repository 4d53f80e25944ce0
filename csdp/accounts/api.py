import datetime as dt

from ninja import Query, Router, Schema
from ninja.security import HttpBearer

from csdp.accounts.access import ANY_ROLE, allow
from csdp.accounts.tokens import api_token_lookup, api_token_used
from csdp.lib.cursor import CursorIn, cursor_page, page_of
from csdp.accounts.access import access_object
from csdp.accounts.models import ApiToken
from csdp.accounts.tokens import api_token_revoke

router = Router(tags=["账户"])


class TokenAuth(HttpBearer):
    def authenticate(self, request, token):
        # csdp.accounts.api_guard looked the token up already (scope, throttling); outside the
        # middleware (tests of a router alone) look it up here.
        api_token = getattr(request, "csdp_api_token", None) or api_token_lookup(token)
        if api_token is None:
            return None
        api_token_used(api_token)
        request.user = api_token.user
        request.api_token = api_token
        return api_token.user


class MeOut(Schema):
    username: str
    display_name: str
    role: str
    role_label: str
    institution: str | None


@router.get("/me", response=MeOut, summary="当前用户")
@allow(ANY_ROLE)
def me(request):
    user = request.user
    return {
        "username": user.username,
        "display_name": user.display_name,
        "role": str(user.role),
        "role_label": user.role.label,
        "institution": user.institution.name if user.institution_id else None,
    }


class TokenOut(Schema):
    id: int
    prefix: str  # the first characters of the key after csdp_, to tell tokens apart
    name: str
    scope: str  # read / write
    issued_by: str  # the user the token acts as
    created_at: dt.datetime
    expires_at: dt.datetime | None
    last_used_at: dt.datetime | None
    revoked_at: dt.datetime | None


@router.get(
    "/tokens",
    response=page_of(TokenOut),
    summary="本机构的 API 令牌（游标分页）",
    description="签发令牌须在网页“用户设置 → API 令牌”中进行（密钥只显示一次）；此处列出与吊销。",
)
@allow(ANY_ROLE)
def token_list(request, page: Query[CursorIn]):
    return cursor_page(ApiToken.objects.visible_to(request.user).select_related("user"), page, out=token_list_item)


@router.post(
    "/tokens/{token_id}/revoke",
    response=TokenOut,
    summary="吊销 API 令牌",
    description="立即失效；吊销已吊销的令牌不改变任何数据。可以吊销正在使用的这一个令牌。",
)
@allow(ANY_ROLE)
def token_revoke(request, token_id: int):
    token = access_object(request.user, ApiToken, pk=token_id)
    api_token_revoke(token=token, actor=request.user)
    token.refresh_from_db()
    return token_list_item(token)


def token_list_item(t) -> dict:
    return {
        "id": t.pk,
        "prefix": t.key_prefix,
        "name": t.name,
        "scope": t.scope,
        "issued_by": t.user.username,
        "created_at": t.created_at,
        "expires_at": t.expires_at,
        "last_used_at": t.last_used_at,
        "revoked_at": t.revoked_at,
    }
