"""URL-matrix objects of csdp.uploads (tests/access_policy.py OBJECTS)."""

from __future__ import annotations


def stored_file(cast):
    """A file owned by issuer A's institution: issuer A and the staff may download it."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from csdp.uploads.services import upload_store

    stored = upload_store(
        file=SimpleUploadedFile("matrix.csv", b"a,b\n1,2\n"),
        kind="data",
        owner=cast.issuer_a.institution,
        actor=cast.issuer_a,
    )
    return str(stored.pk), {"issuer_a", "reviewer", "operator", "admin"}
