from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture(autouse=True)
def storage(settings, tmp_path) -> Path:
    """A fresh storage directory per test, so a listing shows exactly what the test left."""
    settings.CSDP_STORAGE_DIR = tmp_path / "storage"
    return settings.CSDP_STORAGE_DIR


def files_under(root: Path) -> list[str]:
    return sorted(p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file()) if root.exists() else []


@pytest.fixture
def assert_rejected(db, storage):
    """assert_rejected(file, kind, fragment): refused with a message containing fragment, and
    nothing left behind — no row, no file in the storage directory."""
    from csdp.uploads.models import StoredFile
    from csdp.uploads.services import UploadRejected, upload_store

    def check(file, kind: str, fragment: str, **kwargs) -> str:
        before_rows, before_files = StoredFile.objects.count(), files_under(storage)
        with pytest.raises(UploadRejected) as caught:
            upload_store(file=file, kind=kind, **kwargs)
        assert fragment in caught.value.message, caught.value.message
        assert StoredFile.objects.count() == before_rows
        assert files_under(storage) == before_files
        return caught.value.message

    return check
