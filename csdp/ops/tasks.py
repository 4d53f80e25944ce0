import os
import socket

from django.utils import timezone
from django_tasks import task

from csdp.ops.models import WorkerHeartbeat


@task()
def worker_heartbeat() -> None:
    """Run by whichever worker takes it: records that the task queue is being worked (/readyz)."""
    WorkerHeartbeat.objects.update_or_create(
        pk=1, defaults={"at": timezone.now(), "worker": f"{socket.gethostname()}:{os.getpid()}"}
    )
