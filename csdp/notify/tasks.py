"""Background delivery (django-tasks): the database backend in development and production
(`csdp db_worker` runs the worker), the immediate backend in tests."""

from __future__ import annotations

from django_tasks import task

from csdp.notify.services import message_deliver


@task()
def deliver_message(message_id: int) -> str:
    return message_deliver(message_id=message_id)
