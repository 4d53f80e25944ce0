"""UploadCeilingHandler: Django writes every uploaded file to a temp file before any view runs.
This first handler passes at most settings.CSDP_UPLOAD_MAX_BYTES + 1 bytes of each file on to the
standard handlers and drops the rest, so a hostile multi-gigabyte request cannot fill the disk.

The truncated file is still one byte over every limit, so upload_store refuses it with the
ordinary "文件大小超过上限" message instead of the puzzling "this field is required" that stopping
the upload outright (StopUpload) would cause.
"""

from __future__ import annotations

from django.conf import settings
from django.core.files.uploadhandler import FileUploadHandler


class UploadCeilingHandler(FileUploadHandler):
    def receive_data_chunk(self, raw_data, start):
        keep = settings.CSDP_UPLOAD_MAX_BYTES + 1 - start
        if keep >= len(raw_data):
            return raw_data
        return raw_data[: max(keep, 0)]

    def file_complete(self, file_size):
        return None  # the next handler builds the UploadedFile
