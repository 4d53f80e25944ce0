"""What a clearing participant's users are told (csdp/notify): one SMS and one e-mail per active user of
each participant concerned — the "files ready" notice of every app that publishes participant files
(the IPO's csdp.ipo.eod.reconcile.files_ready_notify, the distribution's csdp.dividend.notices).

Called inside the publishing step: the outbox rows commit with it and are sent after the commit; a step
rolled back tells no one."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from csdp.accounts.models import User
from csdp.notify.services import notify_user
from csdp.securities.models import ParticipantProfile


def participants_notify(
    *, participant_ids: Iterable[int], subject: str, body: Callable[[str], str], purpose: str
) -> int:
    """Tell each active user of the participants (ParticipantProfile ids); ``body(code)`` is the text for
    the participant of that code. Returns the number of users told."""
    institutions = dict(
        ParticipantProfile.objects.filter(pk__in=set(participant_ids)).values_list("institution_id", "code")
    )
    told = 0
    for user in User.objects.filter(institution_id__in=institutions, is_active=True).order_by("pk"):
        text = body(institutions[user.institution_id])
        told += bool(notify_user(user=user, subject=subject, body=text, purpose=purpose))
    return told
