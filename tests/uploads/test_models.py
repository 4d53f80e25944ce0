from __future__ import annotations

from django.contrib.auth.models import AnonymousUser

from csdp.uploads.models import StoredFile
from csdp.uploads.services import upload_store
from tests.uploads.makers import pdf_bytes, upload


def _file_of(institution):
    return upload_store(file=upload("a.pdf", pdf_bytes()), kind="scan", owner=institution)


def test_members_see_their_institutions_files_and_staff_see_all(cast):
    mine, theirs, draft = _file_of(cast.issuer_a.institution), _file_of(cast.issuer_b.institution), _file_of(None)

    assert list(StoredFile.objects.visible_to(cast.issuer_a)) == [mine]
    assert list(StoredFile.objects.visible_to(cast.issuer_b)) == [theirs]
    assert list(StoredFile.objects.visible_to(cast.participant)) == []
    assert set(StoredFile.objects.visible_to(cast.reviewer)) == {mine, theirs, draft}
    assert list(StoredFile.objects.visible_to(AnonymousUser())) == []


def test_a_deactivated_member_sees_nothing(cast):
    _file_of(cast.issuer_a.institution)
    cast.issuer_a.is_active = False

    assert list(StoredFile.objects.visible_to(cast.issuer_a)) == []


def test_open_refuses_a_storage_path_outside_the_storage_directory(cast):
    stored = _file_of(None)
    stored.storage_path = "../../etc/passwd"

    try:
        stored.open()
    except ValueError as exc:
        assert "escapes" in str(exc)
    else:
        raise AssertionError("open() followed a path outside the storage directory")
