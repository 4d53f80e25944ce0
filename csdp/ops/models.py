"""Operations' own small state: the task workers' heartbeat (/readyz)."""

from django.db import models


class WorkerHeartbeat(models.Model):
    """The last time a task worker ran the heartbeat task. One row: any worker proves the queue moves."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    at = models.DateTimeField()
    worker = models.CharField(max_length=200, blank=True)

    class Meta:
        verbose_name = "任务进程心跳"
