"""Serving a StoredFile. Every download goes out as an attachment that the browser must not sniff,
render or run: nosniff, a sandboxing CSP, no caching by shared caches.

Apps that let another institution reach a file through their own object (a counter application
showing its result report to the issuer) check access on that object, then return
``stored_file_response(stored)``.
"""

from __future__ import annotations

import os
from urllib.parse import quote

from django.http import FileResponse, Http404


def _plain(text: str) -> bool:
    """Safe inside a quoted filename for every client: printable ASCII without quote, backslash, ; or %."""
    return all(0x20 <= ord(ch) < 0x7F and ch not in '"\\;%' for ch in text)


def attachment_disposition(stored) -> str:
    """RFC 6266 / RFC 5987: an ASCII fallback for old clients, the real (Chinese) name in filename*."""
    name = stored.original_name
    ext = os.path.splitext(name)[1]
    fallback = name if _plain(name) else f"file-{stored.pk}{ext if _plain(ext) else ''}"
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(name, safe='')}"


def stored_file_response(stored) -> FileResponse:
    try:
        handle = stored.open()
    except FileNotFoundError:
        raise Http404("文件不存在。") from None
    response = FileResponse(handle, content_type=stored.content_type)
    response["Content-Disposition"] = attachment_disposition(stored)
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "sandbox"
    response["Cache-Control"] = "private, no-store"
    return response
