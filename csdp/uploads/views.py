from __future__ import annotations

from django.views.decorators.http import require_safe

from csdp.accounts.access import ANY_ROLE, access_object, allow
from csdp.uploads.models import StoredFile
from csdp.uploads.responses import stored_file_response


@allow(ANY_ROLE)  # every role may ask; StoredFile.visible_to decides which files (404 for the rest)
@require_safe
def download(request, file_id: int):
    return stored_file_response(access_object(request.user, StoredFile, pk=file_id))
