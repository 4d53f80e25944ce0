from __future__ import annotations

import io

import pytest
from django.conf import settings as django_settings
from django.core.files.uploadhandler import load_handler
from django.http.multipartparser import MultiPartParser
from django.test.client import BOUNDARY, MULTIPART_CONTENT, encode_multipart

from csdp.uploads.services import UploadRejected, upload_store
from tests.uploads.makers import upload


def _parse(body: bytes):
    meta = {"CONTENT_TYPE": MULTIPART_CONTENT, "CONTENT_LENGTH": str(len(body))}
    handlers = [load_handler(path) for path in django_settings.FILE_UPLOAD_HANDLERS]
    return MultiPartParser(meta, io.BytesIO(body), handlers, "utf-8").parse()[1]


@pytest.mark.parametrize("megabytes", [1, 6])  # in memory, and past FILE_UPLOAD_MAX_MEMORY_SIZE on disk
def test_an_oversized_upload_is_cut_at_the_ceiling_before_it_reaches_disk_and_then_refused(db, settings, megabytes):
    settings.CSDP_UPLOAD_MAX_BYTES = 64 * 1024
    data = b"a,b\n" * (megabytes * 256 * 1024)
    body = encode_multipart(BOUNDARY, {"file": upload("大.csv", data)})

    received = _parse(body)["file"]

    assert len(received.read()) == 64 * 1024 + 1  # one byte over: enough to be refused
    with pytest.raises(UploadRejected, match="文件大小超过上限"):
        upload_store(file=received, kind="data")


def test_an_upload_within_the_ceiling_passes_unchanged(db, settings):
    data = "代码,名称\n920001,甲\n".encode()

    received = _parse(encode_multipart(BOUNDARY, {"file": upload("名单.csv", data)}))["file"]

    assert received.read() == data
    assert upload_store(file=received, kind="data").size_bytes == len(data)
