"""The cross-tenant crawl over real HTTP (issue 20, "Keep it tested"): a server on a loopback port,
every URL pattern read with every identity of the cast — a browser session for each, and an API token
for each member on /api/ — over objects made on issuer A's side. Nobody outside an object's audience
gets a 200, nobody gets a server error. It complements tests/test_access_matrix.py (same policy, the
Django test client) with the whole stack a back office meets: cookies, bearer tokens, middleware."""

from __future__ import annotations

import re
import urllib.error
import urllib.request

import pytest
from django.test import Client

from csdp.accounts.tokens import api_token_create
from tests.access_policy import OBJECTS
from tests.test_access_matrix import FRAMEWORK_PUBLIC, ROLES_OF, _declared, _expected, _route_to_path, all_routes
from csdp.accounts.access import PUBLIC

pytestmark = pytest.mark.django_db(transaction=True)


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


OPENER = urllib.request.build_opener(_NoRedirect)


def _status(url: str, headers: dict[str, str]) -> int:
    request = urllib.request.Request(url, headers=headers)
    try:
        with OPENER.open(request, timeout=30) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def _session_cookie(user) -> dict[str, str]:
    client = Client()
    client.force_login(user)
    session = client.session
    session["login_scope"] = "full"
    session.save()
    return {"Cookie": f"sessionid={client.cookies['sessionid'].value}"}


def test_no_identity_reads_an_object_outside_its_audience_over_http(live_server, cast):
    members = cast.all()
    identities = {who: _session_cookie(user) for who, user in members.items()}
    identities["anonymous"] = {}
    tokens = {}
    for who, user in members.items():
        if user.institution_id is not None and who != "issuer_a" and who != "issuer_b":
            tokens[f"{who}+token"] = {"Authorization": f"Bearer {api_token_create(user=user, name='crawl')[1]}"}
    failures, reads, shown = [], 0, {"session": 0, "token": 0}
    for route, name, callback in all_routes():
        if name in FRAMEWORK_PUBLIC or not any(m in ("*", "GET") for m in _declared(callback)):
            continue
        keys = re.findall(r"<(?:\w+:)?(\w+)>", route)
        values, visible_to = {}, set(members) | {"anonymous"}
        for key in keys:
            value, who = OBJECTS[key](cast)
            values[key] = value
            visible_to &= who
        path = _route_to_path(route, values)
        roles = _expected(name)
        candidates = dict(identities)
        if path.startswith("/api/"):
            candidates.update(tokens)
        for who, headers in candidates.items():
            person = who.split("+")[0]
            role = ROLES_OF.get(person, "anonymous")
            may_see = (roles == PUBLIC or role in roles) and (not keys or person in visible_to)
            status = _status(live_server.url + path, headers)
            reads += 1
            if status >= 500:
                failures.append(f"{who} GET {path}: server error {status}")
            elif status == 200 and not may_see:
                failures.append(f"{who} GET {path}: 200 for an object outside its audience")
            elif status == 200:
                shown["token" if "+" in who else "session"] += 1
    # The identities really were signed in: each kind read pages it may see (the crawl proves something).
    assert reads > 500 and shown["session"] > 100 and shown["token"] > 10, (reads, shown)
    assert not failures, "\n".join(failures)
