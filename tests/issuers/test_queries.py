"""List pages do not gain queries per row (style habit 9)."""

from __future__ import annotations

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.issuers import matrix


def _queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def _grow(cast, factory, n: int) -> None:
    for _ in range(n):
        factory(cast)


def test_the_reviewers_lists_cost_the_same_for_one_row_or_many(cast, client_for):
    client = client_for(cast.reviewer)
    pages = [
        reverse("issuers:registration_queue"),
        reverse("issuers:info_application_queue"),
        reverse("portal:staff_queue"),
    ]
    matrix.registration(cast)
    _submitted_application(cast)
    one = [_queries(client, url) for url in pages]
    _grow(cast, matrix.registration, 6)
    for _ in range(6):
        _submitted_application(cast)
    assert [_queries(client, url) for url in pages] == one


def test_the_issuers_application_list_costs_the_same_for_one_row_or_many(cast, client_for):
    client = client_for(cast.issuer_a)
    url = reverse("portal:my_applications")
    matrix.info_application(cast)
    one = _queries(client, url)
    _grow(cast, matrix.info_application, 6)
    assert _queries(client, url) == one


def _submitted_application(cast):
    from csdp.issuers.models import InfoChangeApplication

    value, _ = matrix.info_application(cast)
    InfoChangeApplication.objects.filter(pk=value).update(status="submitted")
