"""Participant files reach their names only when the step's transaction commits (issue 20 §7)."""

from __future__ import annotations

import threading

import pytest
from django.db import transaction

from csdp.lib.dbf import PartFile, write_atomically
from csdp.lib.publish import staged_files


def test_outside_a_staging_a_file_is_in_place_at_once(tmp_path):
    write_atomically(tmp_path / "a.csv", b"x")
    assert (tmp_path / "a.csv").read_bytes() == b"x" and not (tmp_path / "a.csv.part").exists()


@pytest.mark.django_db(transaction=True)
def test_inside_a_staging_files_appear_only_after_the_commit_even_from_writer_threads(tmp_path):
    seen_before_commit = []
    with staged_files():
        with transaction.atomic():
            write_atomically(tmp_path / "a.csv", b"a")

            def writer():
                with PartFile(tmp_path / "b.dbf") as part:
                    part.write(b"b")

            thread = threading.Thread(target=writer)
            thread.start()
            thread.join()
            seen_before_commit = sorted(p.name for p in tmp_path.iterdir())
    assert seen_before_commit == ["a.csv.part", "b.dbf.part"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.csv", "b.dbf"]


@pytest.mark.django_db(transaction=True)
def test_a_failed_step_publishes_nothing_and_leaves_no_part_file(tmp_path):
    with pytest.raises(RuntimeError):
        with staged_files(), transaction.atomic():
            write_atomically(tmp_path / "a.csv", b"a")
            raise RuntimeError("the step's check failed")
    assert list(tmp_path.iterdir()) == []


def test_an_existing_file_is_replaced_only_at_publication(tmp_path):
    (tmp_path / "a.csv").write_bytes(b"old")
    with staged_files():
        write_atomically(tmp_path / "a.csv", b"new")
        assert (tmp_path / "a.csv").read_bytes() == b"old"
    assert (tmp_path / "a.csv").read_bytes() == b"new"


def test_after_a_crash_between_commit_and_rename_a_recorded_part_file_is_put_in_place(tmp_path):
    import hashlib

    from csdp.lib.publish import publish_pending

    (tmp_path / "d").mkdir()
    (tmp_path / "d" / "a.csv.part").write_bytes(b"committed")
    (tmp_path / "d" / "b.csv.part").write_bytes(b"from a rolled-back run")
    records = [
        ("d/a.csv", hashlib.sha256(b"committed").hexdigest()),
        ("d/b.csv", hashlib.sha256(b"what the database recorded").hexdigest()),
    ]
    assert publish_pending(tmp_path, records) == 1
    assert (tmp_path / "d" / "a.csv").read_bytes() == b"committed"
    assert not (tmp_path / "d" / "b.csv").exists()  # content the database does not know stays unpublished


def test_a_published_file_downloads_as_an_attachment_and_a_missing_one_is_a_404(tmp_path, settings):
    from django.http import Http404

    from csdp.lib.publish import published_file_response

    settings.CSDP_FILES_DIR = str(tmp_path)
    (tmp_path / "ipo").mkdir()
    (tmp_path / "ipo" / "PSCJ0601.DBF").write_bytes(b"records")

    response = published_file_response("ipo/PSCJ0601.DBF")
    assert b"".join(response.streaming_content) == b"records"
    assert 'filename="PSCJ0601.DBF"' in response["Content-Disposition"]
    assert response["X-Content-Type-Options"] == "nosniff"
    response.file_to_stream.close()
    with pytest.raises(Http404):
        published_file_response("ipo/gone.DBF")
