"""Operational state of AgileTrack itself."""

from django.db import models


class Heartbeat(models.Model):
    """The last time a scheduled heartbeat ran: proof that beat sends and a worker executes."""

    name = models.CharField(max_length=64, unique=True)
    beat_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.name} at {self.beat_at:%Y-%m-%d %H:%M:%S}"
