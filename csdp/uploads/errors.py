"""The one exception of the upload service. Raised by every check; its message is shown to the user."""
from __future__ import annotations


class UploadRejected(Exception):
    """An upload refused for a reason the uploader can act on. ``message`` is Chinese, user-facing."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message
