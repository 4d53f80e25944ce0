"""业务列表 (filters, counts), the staff queue (待办 / 我的在办 / 全部在办 / 已办, time in state),
the portal work lists, and query-count guards on the list pages."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from csdp.clock.services import at_local, clock_set
from csdp.counter import handling
from csdp.counter.selectors import ListFilters, filer_applications, staff_queue, status_counts
from csdp.counter.states import Status
from csdp.accounts.worklists import my_applications, staff_queue as portal_staff_queue
from tests.counter.factories import draft, drive

DAY = dt.date(2026, 3, 30)


@pytest.fixture(autouse=True)
def first_day(db):
    """Frozen before the key is enrolled, so its certificate is valid on the business clock."""
    clock_set(moment=at_local(DAY, 9, 0), frozen=True)


@pytest.fixture
def world(cast, codes, key_a):
    submitted = drive(draft(cast.issuer_a), Status.SUBMITTED, filer=cast.issuer_a, key=key_a, operator=cast.operator)
    clock_set(moment=at_local(DAY + dt.timedelta(days=1), 9, 0), frozen=True)
    returned = drive(
        draft(cast.issuer_a, type_code="97", code="920003"),
        Status.RETURNED,
        filer=cast.issuer_a,
        key=key_a,
        operator=cast.operator,
    )
    accepted = drive(
        draft(cast.issuer_a, type_code="98"), Status.ACCEPTED, filer=cast.issuer_a, key=key_a, operator=cast.operator
    )
    clock_set(moment=at_local(DAY + dt.timedelta(days=2), 11, 30), frozen=True)
    return {"submitted": submitted, "returned": returned, "accepted": accepted}


def test_the_filer_list_filters_by_status_type_code_and_date(cast, world):
    def refs(**kw):
        return {a.pk for a in filer_applications(cast.issuer_a, ListFilters(**kw))}

    assert refs() == {a.pk for a in world.values()}
    assert refs(status=Status.RETURNED) == {world["returned"].pk}
    assert refs(business_type="98") == {world["accepted"].pk}
    assert refs(securities_code="920003") == {world["returned"].pk}
    assert refs(date_from=DAY, date_to=DAY) == {world["submitted"].pk}
    assert refs(date_from=DAY + dt.timedelta(days=1)) == {world["returned"].pk, world["accepted"].pk}


def test_the_counts_cover_every_status(cast, world):
    counts = status_counts(filer_applications(cast.issuer_a, ListFilters()))
    assert counts[Status.SUBMITTED] == counts[Status.RETURNED] == counts[Status.ACCEPTED] == 1
    assert counts[Status.FINISHED] == 0 and set(counts) == set(Status.values)


def test_the_list_page_filters_through_the_query_string(cast, client_for, world):
    page = client_for(cast.issuer_a).get(reverse("counter:list"), {"status": "returned"}).content.decode()
    assert world["returned"].reference in page and world["submitted"].reference not in page
    assert "共 3 笔" in page


def test_the_queue_views(cast, world, django_user_model):
    other = django_user_model.objects.create(username="operator2", staff_role="operator")
    todo = {a.pk for a in staff_queue(cast.operator, "todo", ListFilters())}
    assert todo == {world["submitted"].pk, world["accepted"].pk}  # the returned one waits for the filer
    handling.application_assign(application=world["submitted"], assignee=other, actor=cast.admin)
    assert {a.pk for a in staff_queue(cast.operator, "todo", ListFilters())} == {world["accepted"].pk}
    assert {a.pk for a in staff_queue(other, "mine", ListFilters())} == {world["submitted"].pk}
    assert {a.pk for a in staff_queue(cast.operator, "all", ListFilters())} == {
        world["submitted"].pk,
        world["accepted"].pk,
    }
    assert {a.pk for a in staff_queue(cast.operator, "done", ListFilters())} == {
        world["returned"].pk,
        world["accepted"].pk,
    }
    assert not staff_queue(other, "done", ListFilters()).exists()


def test_the_queue_shows_the_oldest_first_with_time_in_state(cast, client_for, world):
    page = client_for(cast.operator).get(reverse("counter:queue")).content.decode()
    assert page.index(world["submitted"].reference) < page.index(world["accepted"].reference)
    assert "2 天 2 小时" in page  # submitted two days and 2½ hours ago on the business clock


def test_the_portal_lists_gather_counter_rows(cast, world):
    mine = {i.url: i for i in my_applications(cast.issuer_a)}
    returned_url = reverse("counter:detail", args=[world["returned"].pk])
    assert mine[returned_url].needs_action and mine[returned_url].kind == "虚拟柜台业务"
    assert not my_applications(cast.issuer_b)
    assert {i.url for i in portal_staff_queue(cast.operator)} == {
        reverse("counter:detail", args=[world["submitted"].pk]),
        reverse("counter:detail", args=[world["accepted"].pk]),
    }


def _more(cast, key_a, n):
    for _ in range(n):
        drive(draft(cast.issuer_a), Status.SUBMITTED, filer=cast.issuer_a, key=key_a, operator=cast.operator)


# Measured: 业务列表 6, queue 4; the portal pages gather every app's sources (7 today), so more room.
@pytest.mark.parametrize(
    "who, url, budget",
    [
        ("issuer_a", "counter:list", 8),
        ("operator", "counter:queue", 6),
        ("issuer_a", "portal:my_applications", 14),
        ("operator", "portal:staff_queue", 14),
    ],
)
def test_list_pages_do_not_gain_queries_with_more_rows(
    cast, client_for, world, key_a, who, url, budget, django_assert_max_num_queries
):
    client = client_for(getattr(cast, who))
    client.get(reverse(url))  # warm the session and caches
    with django_assert_max_num_queries(budget):
        assert client.get(reverse(url)).status_code == 200
    _more(cast, key_a, 8)
    with django_assert_max_num_queries(budget):
        assert client.get(reverse(url)).status_code == 200


def test_the_application_page_has_a_fixed_query_budget(cast, client_for, world, key_a, django_assert_max_num_queries):
    app = world["accepted"]
    client = client_for(cast.operator)
    client.get(reverse("counter:detail", args=[app.pk]))
    with django_assert_max_num_queries(16):  # measured 12
        assert client.get(reverse("counter:detail", args=[app.pk])).status_code == 200


def test_unassigned_work_goes_to_the_named_handlers_of_its_type(cast, world, django_user_model):
    from csdp.counter.models import BusinessType

    specialist = django_user_model.objects.create(username="operator2", staff_role="operator")
    BusinessType.objects.get(code="00").handlers.set([specialist])  # world["submitted"] is a 00
    assert {a.pk for a in staff_queue(cast.operator, "todo", ListFilters())} == {world["accepted"].pk}
    assert {a.pk for a in staff_queue(specialist, "todo", ListFilters())} == {world["submitted"].pk}
    assert {i.url for i in portal_staff_queue(specialist)} == {reverse("counter:detail", args=[world["submitted"].pk])}
