from __future__ import annotations

import io
import os
import time

from django.core.management import call_command


def test_the_command_removes_an_old_orphan_and_says_how_many(db, storage):
    orphan = storage / "uploads" / "ab" / ("ab" + "1" * 30)
    orphan.parent.mkdir(parents=True)
    orphan.write_bytes(b"orphan")
    os.utime(orphan, (time.time() - 7200, time.time() - 7200))
    out = io.StringIO()

    call_command("uploads_sweep", "--older-than-s", "3600", stdout=out)

    assert not orphan.exists()
    assert out.getvalue().splitlines()[1:] == ["uploads/ab/ab" + "1" * 30, "已删除 1 个孤立文件。"]


def _stored(name: str, hours_old: float):
    import datetime as dt

    from django.utils import timezone

    from csdp.uploads.models import StoredFile
    from csdp.uploads.services import upload_store
    from tests.uploads.makers import pdf_bytes, upload

    row = upload_store(file=upload(name, pdf_bytes()), kind="scan")
    StoredFile.objects.filter(pk=row.pk).update(created_at=timezone.now() - dt.timedelta(hours=hours_old))
    return row


def test_an_upload_nothing_references_is_deleted_after_the_grace_and_a_referenced_one_is_kept(cast, storage):
    """A registration scan uploaded six times keeps only the one attached (issue 20 §5)."""
    from csdp.issuers.models import Registration, RegistrationMaterial
    from csdp.uploads.models import StoredFile
    from csdp.uploads.services import stored_files_orphans_purge

    replaced = [_stored(f"身份证{i}.pdf", hours_old=48) for i in range(5)]
    kept = _stored("身份证.pdf", hours_old=48)
    fresh = _stored("刚上传.pdf", hours_old=1)
    registration = Registration.objects.create(token_sha256="0" * 64)
    RegistrationMaterial.objects.create(registration=registration, kind="agent_id", file=kept)

    assert stored_files_orphans_purge() == 5
    assert set(StoredFile.objects.values_list("pk", flat=True)) == {kept.pk, fresh.pk}
    assert all(not StoredFile.objects.filter(pk=r.pk).exists() for r in replaced)
