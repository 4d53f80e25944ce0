from django.conf import settings

from csdp.accounts.roles import role_of
from csdp.portal.menu import menu_for


def shell(request):
    """What the page shell needs: the left function bar, the role, the business clock."""
    from csdp.clock.services import clock_now

    user = getattr(request, "user", None)
    role = role_of(user) if user is not None else None
    return {
        "menu": menu_for(user, request.path) if role else [],
        "current_role": role,
        "business_now": clock_now(),
        "csdp_demo": settings.CSDP_DEMO,
    }
