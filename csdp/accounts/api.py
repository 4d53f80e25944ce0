
from ninja import Router, Schema
from ninja.security import HttpBearer

from csdp.accounts.access import ANY_ROLE, allow
from csdp.accounts.services import api_token_user

router = Router(tags=["账户"])


class TokenAuth(HttpBearer):
    def authenticate(self, request, token):
        user = api_token_user(token)
        if user is not None:
            request.user = user
        return user


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
