"""The one exception of the upload service. Raised by every check; its message is shown to the user."""

from __future__ import annotations

from csdp.lib.errors import CsdpError


class UploadRejected(CsdpError):
    """An upload refused for a reason the uploader can act on. ``message`` is Chinese, user-facing."""

    code = "upload.rejected"
