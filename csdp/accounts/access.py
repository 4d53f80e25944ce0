"""The one access helper: every view and API handler declares who may call it with ``@allow``,
and loads every object a user asks for with ``access_object`` (zulip's access_* pattern).

``allow`` records the roles on the function (``csdp_roles``) so that the matrix test can walk
every URL and know which roles may get a 200; a view without a declaration fails that test.

``access_object`` goes through the model's ``visible_to(user)`` queryset method, so ownership
rules live beside the model and one place decides "may this user see this row".
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any, TypeVar

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.db import models
from django.http import Http404, HttpRequest

from csdp.accounts.roles import ALL_ROLES, MEMBER_ROLES, STAFF_ROLES, Role, role_of
from csdp.lib.errors import Forbidden, NotAuthenticated

if TYPE_CHECKING:
    from csdp.accounts.models import User

M = TypeVar("M", bound=models.Model)
QS = TypeVar("QS", bound=models.QuerySet[Any])


class SignedInRequest(HttpRequest):
    """For type checkers only: the request a view behind ``@allow(<roles>)`` receives has a signed-in user."""

    user: User


PUBLIC = frozenset({"anonymous"})  # marker: anyone, logged in or not
ANY_ROLE = ALL_ROLES
STAFF = STAFF_ROLES
MEMBERS = MEMBER_ROLES

__all__ = ["allow", "public", "access_object", "require_role", "PUBLIC", "ANY_ROLE", "STAFF", "MEMBERS", "Role"]


def _is_api(request: HttpRequest) -> bool:
    return request.path.startswith("/api/")


def _refuse(request: HttpRequest, status: int, code: str, message: str):
    if _is_api(request):  # the API's one edge (csdp/api.py) answers {code, detail, problems}
        raise (NotAuthenticated if status == 401 else Forbidden)(message, code=code)
    if status == 401:
        return redirect_to_login(request.get_full_path(), settings.LOGIN_URL)
    raise PermissionDenied(message)


def require_role(user, roles: Iterable[str]) -> Role:
    """Raise PermissionDenied unless the user holds one of the roles; return its role."""
    role = role_of(user)
    if role is None or role not in roles:
        raise PermissionDenied("您没有执行此操作的权限。")
    return role


def allow(*roles: str | Iterable[str]) -> Callable:
    """Declare which roles may call a view or API handler, and enforce it.

    ``@allow(Role.ISSUER)``, ``@allow(STAFF)``, ``@allow(Role.ISSUER, Role.REVIEWER)``.
    Anonymous callers are sent to the login page (pages) or get 401 (API); other roles get 403.
    """
    flat: set[str] = set()
    for item in roles:
        if isinstance(item, str):
            flat.add(item)
        else:
            flat.update(item)
    unknown = flat - set(ALL_ROLES)
    if unknown or not flat:
        raise ValueError(f"allow() takes roles from csdp.accounts.roles.Role, got {sorted(unknown) or 'nothing'}")
    allowed = frozenset(flat)

    def decorate(view: Callable) -> Callable:
        @functools.wraps(view)
        def wrapped(request: HttpRequest, *args, **kwargs):
            if not request.user.is_authenticated:
                return _refuse(request, 401, "not_authenticated", "请先登录。")
            role = role_of(request.user)
            if role is None or role not in allowed:
                return _refuse(request, 403, "forbidden", "您没有访问此页面的权限。")
            return view(request, *args, **kwargs)

        wrapped.csdp_roles = allowed
        return wrapped

    return decorate


def public(view: Callable) -> Callable:
    """Declare a view open to everyone (login, registration, health check)."""
    view.csdp_roles = PUBLIC
    return view


def institution_rows(queryset: QS, user: Any, path: str) -> QS:
    """A ``visible_to`` of rows that belong to an institution through ``path`` (a participant's files,
    say: ``path="participant"``): staff see every row, an institution's users their institution's, no
    one else any."""
    if not user.is_authenticated:
        return queryset.none()
    if user.staff_role:
        return queryset
    if user.institution_id is None:
        return queryset.none()
    return queryset.filter(**{f"{path}__institution_id": user.institution_id})


def access_object(user: Any, model_or_queryset: type[M] | models.QuerySet[M], **lookup: Any) -> M:
    """Load one object the user may see, or raise Http404.

    404 rather than 403 so that another institution's object cannot be told from a missing one.
    The model's manager must offer ``visible_to(user)``.
    """
    queryset = (
        model_or_queryset
        if isinstance(model_or_queryset, models.QuerySet)
        else model_or_queryset._default_manager.all()
    )
    if not hasattr(queryset, "visible_to"):
        raise TypeError(f"{queryset.model.__name__} has no visible_to(user): it cannot be loaded for a user")
    try:
        return queryset.visible_to(user).get(**lookup)
    except (queryset.model.DoesNotExist, ValueError):
        raise Http404("未找到该记录，或您无权查看。") from None
