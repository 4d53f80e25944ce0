import os
import socket

from django.utils import timezone
from django_tasks import task


@task()
def worker_heartbeat() -> None:
    """Run by whichever worker takes it: records that the task queue is being worked (/readyz)."""
    from csdp.ops.models import WorkerHeartbeat

    WorkerHeartbeat.objects.update_or_create(
        pk=1, defaults={"at": timezone.now(), "worker": f"{socket.gethostname()}:{os.getpid()}"}
    )
