
from ninja import Router, Schema
from ninja.security import HttpBearer

from csdp.accounts.access import ANY_ROLE, allow
from csdp.accounts.tokens import api_token_lookup, api_token_used

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
