"""Benchmark of the upload checks (docs/uploads.md, "Figures").

    DJANGO_SETTINGS_MODULE=csdp.settings.test PYTHONPATH=. .venv/bin/python bench/uploads_check.py

Runs upload_check (every check of upload_store, nothing kept) on a large valid archive and PDF and
on generated zip bombs, printing input size, wall time and the verdict.
"""
from __future__ import annotations

import io
import random
import tempfile
import time
import zipfile

import django

django.setup()

from django.conf import settings  # noqa: E402

from csdp.uploads.services import UploadRejected, upload_check  # noqa: E402
from tests.uploads.makers import MB, many_small_bombs, pdf_bytes, upload, zip_bomb  # noqa: E402


def documents_zip(entries: int) -> bytes:
    """Entries of 1 MB, half random and half repetitive: a ratio of about 2, like scanned documents."""
    rnd = random.Random(1)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for i in range(entries):
            archive.writestr(f"材料/第{i}页.txt", rnd.randbytes(MB // 2) + b"a" * (MB // 2))
    return out.getvalue()


def main() -> None:
    settings.CSDP_STORAGE_DIR = tempfile.mkdtemp(prefix="csdp-bench-uploads-")
    cases = [
        ("zip, 96 entries, 96 MB inflated", "a.zip", documents_zip(96)),
        ("pdf, 200 pages", "a.pdf", pdf_bytes(pages=200)),
        ("zip bomb, 20 MB of zeros", "b.zip", zip_bomb()),
        ("zip bomb, 1 GB of zeros", "b.zip", zip_bomb(1024 * MB)),
        ("40 entries of 1000 KB, each under the grace", "c.zip", many_small_bombs()),
    ]
    for label, name, data in cases:
        started = time.perf_counter()
        try:
            verdict = "accepted " + upload_check(file=upload(name, data), kind="archive_or_pdf").detected_type
        except UploadRejected as rejected:
            verdict = "rejected: " + rejected.message
        elapsed_ms = 1000 * (time.perf_counter() - started)
        print(f"{label:45s} {len(data) / MB:7.2f} MB {elapsed_ms:8.1f} ms  {verdict}")


if __name__ == "__main__":
    main()
