from __future__ import annotations

from urllib.parse import quote

from django.urls import reverse

from csdp.uploads.responses import attachment_disposition
from csdp.uploads.services import upload_store
from tests.uploads.makers import pdf_bytes, upload


def _issuer_a_file(cast, name="营业执照.pdf"):
    data = pdf_bytes()
    stored = upload_store(file=upload(name, data), kind="scan", owner=cast.issuer_a.institution, actor=cast.issuer_a)
    return stored, data, reverse("files:download", kwargs={"file_id": stored.pk})


def test_the_owner_downloads_the_exact_bytes_as_a_sandboxed_attachment(cast, client_for):
    stored, data, url = _issuer_a_file(cast)

    response = client_for(cast.issuer_a).get(url)

    assert response.status_code == 200
    assert b"".join(response.streaming_content) == data
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == (
        f"attachment; filename=\"file-{stored.pk}.pdf\"; filename*=UTF-8''{quote('营业执照.pdf')}"
    )
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Security-Policy"] == "sandbox"
    assert "no-store" in response["Cache-Control"]


def test_another_issuer_gets_404_for_a_file_that_is_not_theirs(cast, client_for):
    _, _, url = _issuer_a_file(cast)

    assert client_for(cast.issuer_b).get(url).status_code == 404
    assert client_for(cast.participant).get(url).status_code == 404


def test_staff_download_any_members_file(cast, client_for):
    _, data, url = _issuer_a_file(cast)

    response = client_for(cast.reviewer).get(url)

    assert response.status_code == 200 and b"".join(response.streaming_content) == data


def test_an_anonymous_visitor_is_sent_to_the_login_page(cast, client_for):
    _, _, url = _issuer_a_file(cast)

    response = client_for(None).get(url)

    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_a_missing_file_id_is_404(cast, client_for):
    assert client_for(cast.reviewer).get(reverse("files:download", kwargs={"file_id": 999999})).status_code == 404


def test_downloads_are_read_only(cast, client_for):
    _, _, url = _issuer_a_file(cast)

    assert client_for(cast.issuer_a).post(url).status_code == 405


def test_a_plain_ascii_name_is_its_own_fallback_and_quotes_cannot_break_the_header(cast):
    stored, _, _ = _issuer_a_file(cast, name="licence 2026.pdf")
    assert attachment_disposition(stored) == (
        "attachment; filename=\"licence 2026.pdf\"; filename*=UTF-8''licence%202026.pdf"
    )

    stored.original_name = 'a";evil=1.pdf'
    header = attachment_disposition(stored)
    assert header.startswith(f"attachment; filename=\"file-{stored.pk}.pdf\"; filename*=UTF-8''a%22%3Bevil%3D1.pdf")
