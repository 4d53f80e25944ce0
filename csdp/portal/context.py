from django.conf import settings

from csdp.accounts.roles import role_of
from csdp.accounts.menu import menu_for, split_user_settings
from csdp.clock.services import clock_now


def shell(request):
    """What the page shell needs: the left function bar, 用户设置 (top right), the role, the business clock."""
    user = getattr(request, "user", None)
    role = role_of(user) if user is not None else None
    menu, user_menu = [], []
    if role:
        scope = getattr(request, "login_scope", None) or request.session.get("login_scope")
        menu, user_menu = split_user_settings(
            menu_for(user, request.path, scope=scope, current_query=request.META.get("QUERY_STRING", ""))
        )
    return {
        "menu": menu,
        "user_menu": user_menu,
        "current_role": role,
        "business_now": clock_now(),
        "csdp_demo": settings.CSDP_DEMO,
    }
