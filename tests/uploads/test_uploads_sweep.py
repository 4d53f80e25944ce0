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
    assert out.getvalue().splitlines() == ["uploads/ab/ab" + "1" * 30, "已删除 1 个孤立文件。"]
