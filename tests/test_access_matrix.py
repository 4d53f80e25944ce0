"""Every URL × every role: a role that a view does not declare never gets a 200, and an object of
issuer A's side is never shown to anyone else. New URLs are covered automatically: a view without
an @allow / @public declaration, or a URL keyword without an object in matrix_objects, fails here."""

from __future__ import annotations

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

from csdp.accounts.access import PUBLIC
from tests.access_policy import EXPECTED, OBJECTS, PUBLIC as POLICY_PUBLIC

ROLES_OF = {
    "issuer_a": "issuer",
    "issuer_b": "issuer",
    "underwriter": "underwriter",
    "participant": "participant",
    "pledge_user": "pledge_user",
    "reviewer": "reviewer",
    "operator": "operator",
    "admin": "admin",
}
# Django/ninja machinery that is public by design.
FRAMEWORK_PUBLIC = {"api:openapi-json", "api:openapi-view", "api:api-root"}


def _walk(patterns, prefix="", namespace=""):
    for entry in patterns:
        if isinstance(entry, URLResolver):
            ns = entry.namespace or namespace
            yield from _walk(entry.url_patterns, prefix + str(entry.pattern), ns)
        elif isinstance(entry, URLPattern):
            name = f"{namespace}:{entry.name}" if namespace and entry.name else (entry.name or "")
            yield prefix + str(entry.pattern), name, entry.callback


def _declared(callback) -> dict[str, frozenset]:
    """Map HTTP method → declared roles. Ninja path views hold their operations in a closure."""
    if hasattr(callback, "csdp_roles"):
        return {"*": callback.csdp_roles}
    for cell in getattr(callback, "__closure__", None) or ():
        operations = getattr(cell.cell_contents, "operations", None)
        if operations is not None:
            out = {}
            for op in operations:
                roles = getattr(op.view_func, "csdp_roles", None)
                for method in op.methods:
                    out[method] = roles
            return out
    return {"*": None}


def _route_to_path(route: str, values: dict[str, str]) -> str:
    import re

    def sub(match):
        key = match.group(2)
        if key not in values:
            raise KeyError(key)
        return values[key]

    path = re.sub(r"<(?:(\w+):)?(\w+)>", sub, route)
    return "/" + path.lstrip("^").rstrip("$")


def all_routes():
    return list(_walk(get_resolver().url_patterns))


def _expected(name: str):
    policy = EXPECTED[name]
    return PUBLIC if policy == POLICY_PUBLIC else frozenset(policy)


def test_every_view_declares_who_may_call_it_as_the_policy_says():
    problems = []
    for route, name, callback in all_routes():
        if name in FRAMEWORK_PUBLIC:
            continue
        if name not in EXPECTED:
            problems.append(f"{route} ({name}) is missing from tests/access_policy.py EXPECTED")
            continue
        for method, roles in _declared(callback).items():
            if roles is None:
                problems.append(f"{route} [{method}] ({name}) has no @allow/@public")
            elif roles != _expected(name):
                problems.append(
                    f"{route} [{method}] ({name}) allows {sorted(roles)}, policy says {sorted(_expected(name))}"
                )
    assert not problems, "\n".join(problems)


@pytest.mark.django_db
def test_no_role_gets_a_page_it_is_not_allowed(cast, client_for):
    members = cast.all()
    clients = {who: client_for(user) for who, user in members.items()}
    clients["anonymous"] = client_for(None)
    failures = []
    for route, name, callback in all_routes():
        if name in FRAMEWORK_PUBLIC:
            continue
        import re

        keys = re.findall(r"<(?:\w+:)?(\w+)>", route)
        values, visible_to = {}, set(members) | {"anonymous"}
        for key in keys:
            assert key in OBJECTS, f"URL keyword <{key}> of {route} has no object in tests/access_policy.py OBJECTS"
            value, who = OBJECTS[key](cast)
            values[key] = value
            visible_to &= who
        path = _route_to_path(route, values)
        roles = _expected(name) if name in EXPECTED else frozenset()
        for method in _declared(callback):
            http = "get" if method in ("*", "GET") else method.lower()
            for who, client in clients.items():
                role = ROLES_OF.get(who, "anonymous")
                may_call = roles == PUBLIC or role in (roles or ())
                may_see = may_call and (not keys or who in visible_to)
                response = getattr(client, http)(path)
                if response.status_code >= 500:
                    failures.append(f"{who} {method} {path}: server error {response.status_code}")
                elif response.status_code == 200 and not may_see:
                    failures.append(f"{who} {method} {path}: got 200, expected a refusal")
                elif (
                    http != "get"
                    and 200 <= response.status_code < 400
                    and not may_call
                    and not (response.status_code == 302 and "/accounts/login/" in response.get("Location", ""))
                ):
                    failures.append(f"{who} {method} {path}: {response.status_code}, expected a refusal")
    assert not failures, "\n".join(failures)
