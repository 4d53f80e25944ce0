"""Form helpers, so that every app's forms show the upload service's Chinese messages.

``UploadField(kind=...)`` runs every check of the service when the form is validated (nothing is
kept), so a bad file is reported next to the field together with the form's other errors.
The view then stores it through ``clean_upload`` (or upload_store in a service), which checks
again: a service never trusts that a form ran.
"""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError

from csdp.uploads.errors import UploadRejected
from csdp.uploads.kinds import get_kind
from csdp.uploads.services import upload_store, upload_check
from csdp.uploads.sniff import EXTENSION_CLAIMS


def accept_for(kind: str) -> str:
    """The <input accept> hint for a kind: ".pdf,.jpg,.jpeg,.png" (a hint only; content decides)."""
    types = get_kind(kind).types
    return ",".join(sorted(ext for ext, claimed in EXTENSION_CLAIMS.items() if claimed in types))


class UploadField(forms.FileField):
    def __init__(self, *, kind: str, **kwargs):
        self.kind = kind
        super().__init__(**kwargs)

    def widget_attrs(self, widget):
        attrs = super().widget_attrs(widget)
        attrs["accept"] = accept_for(self.kind)
        return attrs

    def clean(self, data, initial=None):
        file = super().clean(data, initial)
        if file and file is not initial:
            try:
                upload_check(file=file, kind=self.kind)
            except UploadRejected as exc:
                raise ValidationError(exc.message, code="upload_rejected") from None
        return file


def clean_upload(file, *, kind: str, owner=None, actor=None):
    """upload_store, with a rejection turned into a form ValidationError (for form.clean_<field>
    or ``form.add_error(field, error)`` in a view). Returns the StoredFile."""
    try:
        return upload_store(file=file, kind=kind, owner=owner, actor=actor)
    except UploadRejected as exc:
        raise ValidationError(exc.message, code="upload_rejected") from None
