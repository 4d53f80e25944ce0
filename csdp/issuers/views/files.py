"""File slots of the member forms: a file chosen now goes through the upload service at once;
a file already stored (on an earlier, invalid or confirmation step) comes back as ``<slot>_stored``
and is accepted only if it is the same user's upload for the same institution."""

from __future__ import annotations

from dataclasses import dataclass, field

from csdp.uploads.models import StoredFile
from csdp.uploads.services import UploadRejected, upload_store


@dataclass
class Slot:
    name: str
    label: str
    required: bool = False
    help: str = ""


@dataclass
class SlotFiles:
    files: dict = field(default_factory=dict)  # slot name → StoredFile
    errors: dict = field(default_factory=dict)  # slot name → message

    def ordered(self, slots: list[Slot]) -> list:
        return [self.files[s.name] for s in slots if s.name in self.files]


def collect(request, slots: list[Slot]) -> SlotFiles:
    out = SlotFiles()
    for slot in slots:
        upload = request.FILES.get(slot.name)
        stored_id = request.POST.get(f"{slot.name}_stored", "")
        if upload is not None:
            try:
                out.files[slot.name] = upload_store(
                    file=upload, kind="scan", owner=request.user.institution, actor=request.user
                )
            except UploadRejected as rejected:
                out.errors[slot.name] = rejected.message
        elif stored_id.isdigit():
            stored = (
                StoredFile.objects.visible_to(request.user)
                .filter(pk=int(stored_id), owner_institution_id=request.user.institution_id, uploaded_by=request.user)
                .first()
            )
            if stored is not None:
                out.files[slot.name] = stored
    return out


def slot_rows(slots: list[Slot], collected: SlotFiles | None) -> list[dict]:
    """What the template needs per slot: label, chosen file (if any) and its error."""
    collected = collected or SlotFiles()
    return [{"slot": s, "file": collected.files.get(s.name), "error": collected.errors.get(s.name, "")} for s in slots]
