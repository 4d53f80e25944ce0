"""A user of issuer B can neither see nor act on issuer A's applications; reviewers look but do not
handle; operators handle what is theirs or unassigned."""

from __future__ import annotations

import pytest
from django.urls import reverse

from csdp.counter import handling
from csdp.counter.models import Application
from csdp.counter.selectors import ListFilters, filer_applications
from csdp.counter.services import CounterError, application_confirm_results, application_withdraw
from csdp.counter.states import Status
from tests.counter.factories import draft, drive


@pytest.fixture
def a_application(cast, codes, key_a):
    return drive(draft(cast.issuer_a), Status.RESULT_ISSUED, filer=cast.issuer_a, key=key_a, operator=cast.operator)


PAGES = ["counter:detail", "counter:confirm", "counter:resubmit"]
ACTIONS = ["counter:withdraw", "counter:confirm_results"]


@pytest.mark.parametrize("name", PAGES)
def test_issuer_b_gets_404_for_issuer_a_pages(cast, client_for, a_application, name):
    response = client_for(cast.issuer_b).get(reverse(name, args=[a_application.pk]))
    assert response.status_code == 404


@pytest.mark.parametrize("name", ACTIONS)
def test_issuer_b_cannot_act_on_issuer_a_application(cast, client_for, a_application, name):
    response = client_for(cast.issuer_b).post(reverse(name, args=[a_application.pk]))
    assert response.status_code == 404
    a_application.refresh_from_db()
    assert a_application.status == Status.RESULT_ISSUED


def test_issuer_b_cannot_download_issuer_a_documents_or_results(cast, client_for, a_application):
    client = client_for(cast.issuer_b)
    for row in a_application.files.all():
        assert client.get(reverse("counter:file_download", args=[row.pk])).status_code == 404


def test_issuer_a_downloads_its_own_result(cast, client_for, a_application):
    row = a_application.files.get(purpose="result")
    response = client_for(cast.issuer_a).get(reverse("counter:file_download", args=[row.pk]))
    assert response.status_code == 200
    assert b"".join(response.streaming_content).startswith(b"%PDF")


def test_issuer_b_list_shows_none_of_issuer_a(cast, client_for, a_application):
    assert not filer_applications(cast.issuer_b, ListFilters()).exists()
    response = client_for(cast.issuer_b).get(reverse("counter:list"))
    assert a_application.reference not in response.content.decode()


def test_the_services_refuse_another_institution_even_when_called_directly(cast, a_application):
    with pytest.raises(CounterError):
        application_confirm_results(application=a_application, user=cast.issuer_b)
    with pytest.raises(CounterError):
        application_withdraw(application=a_application, user=cast.issuer_b)


def test_a_reviewer_sees_the_application_but_cannot_handle_it(cast, client_for, codes, key_a):
    app = drive(draft(cast.issuer_a), Status.SUBMITTED, filer=cast.issuer_a, key=key_a, operator=cast.operator)
    client = client_for(cast.reviewer)
    assert client.get(reverse("counter:detail", args=[app.pk])).status_code == 200
    assert client.post(reverse("counter:accept", args=[app.pk])).status_code == 403
    with pytest.raises(CounterError):
        handling.application_accept(application=app, actor=cast.reviewer)


def test_an_operator_cannot_handle_an_application_assigned_to_someone_else(cast, codes, key_a, django_user_model):
    other = django_user_model.objects.create(username="operator2", staff_role="operator")
    app = drive(draft(cast.issuer_a), Status.SUBMITTED, filer=cast.issuer_a, key=key_a, operator=cast.operator)
    handling.application_assign(application=app, assignee=other, actor=cast.admin, reason="分派")
    with pytest.raises(CounterError, match="已分派给"):
        handling.application_accept(application=app, actor=cast.operator)
    handling.application_accept(application=app, actor=other)
    assert Application.objects.get(pk=app.pk).status == Status.ACCEPTED


def test_a_filer_cannot_see_or_download_results_before_they_are_issued(cast, client_for, codes, key_a):
    app = drive(draft(cast.issuer_a), Status.ACCEPTED, filer=cast.issuer_a, key=key_a, operator=cast.operator)
    from tests.counter.factories import pdf_upload

    row = handling.result_attach(application=app, actor=cast.operator, file=pdf_upload("草稿结果.pdf"))
    client = client_for(cast.issuer_a)
    page = client.get(reverse("counter:detail", args=[app.pk])).content.decode()
    assert reverse("counter:file_download", args=[row.pk]) not in page
    assert client.get(reverse("counter:file_download", args=[row.pk])).status_code == 404
    handling.application_issue_results(application=app, actor=cast.operator)
    assert client.get(reverse("counter:file_download", args=[row.pk])).status_code == 200
