"""User text in postings, messages and reports is escaped: a <script> attempt stays inert."""

from django.urls import reverse

from csdp.pledge.models_social import Report
from csdp.pledge.services_social import thread_start
from tests.pledge.factories import posting

ATTACK = '<script>alert("x")</script><img src=x onerror=alert(1)>'


def _inert(html: str) -> None:
    assert ATTACK not in html and "<script>alert" not in html and "<img src=x" not in html
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in html


def test_a_posting_title_and_description_are_escaped(lender, outsider, cast, client_for):
    posting(outsider, title="我的")
    row = posting(lender, title=ATTACK[:60], description=ATTACK)
    for client in (client_for(outsider), client_for(cast.reviewer)):
        _inert(client.get(reverse("pledge:posting_detail", args=[row.pk])).content.decode())
    board = client_for(outsider).get(reverse("pledge:board")).content.decode()
    assert "<script>alert" not in board


def test_a_private_message_is_escaped(lender, outsider, cast, client_for):
    posting(outsider, title="我的")
    thread = thread_start(posting=posting(lender), user=outsider, body=ATTACK)
    for user in (lender, cast.reviewer):
        _inert(client_for(user).get(reverse("pledge:thread_detail", args=[thread.pk])).content.decode())


def test_a_report_reason_is_escaped_for_staff(lender, outsider, cast, client_for):
    posting(outsider, title="我的")
    row = posting(lender)
    client_for(outsider).post(reverse("pledge:posting_report", args=[row.pk]), {"reason": ATTACK})
    report = Report.objects.get()
    _inert(client_for(cast.reviewer).get(reverse("pledge:report_detail", args=[report.pk])).content.decode())
