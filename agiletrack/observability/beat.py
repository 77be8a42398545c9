"""The beat scheduler: django-celery-beat's DatabaseScheduler plus a heartbeat of beat itself."""

from __future__ import annotations

import logging
import math
import time
from typing import Any

from django.db import close_old_connections
from django.utils import timezone
from django_celery_beat.schedulers import DatabaseScheduler

from agiletrack.models import Heartbeat

logger = logging.getLogger(__name__)

BEAT_SCHEDULER_HEARTBEAT = "beat-scheduler"


def record_scheduler_heartbeat() -> None:
    """Store the time beat's scheduler last ticked (one upsert)."""
    Heartbeat.objects.update_or_create(
        name=BEAT_SCHEDULER_HEARTBEAT, defaults={"beat_at": timezone.now()}
    )


class HeartbeatScheduler(DatabaseScheduler):
    """Writes a heartbeat row at most every `heartbeat_every` seconds of ticking.

    The row proves beat itself runs, whatever the workers do; /metrics reports its age as
    agiletrack_beat_heartbeat_age_seconds. A failed write is logged and never stops beat."""

    heartbeat_every = 10.0

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self._last_heartbeat = -math.inf
        super().__init__(*args, **kwargs)

    def tick(self, *args: Any, **kwargs: Any) -> float:
        interval = super().tick(*args, **kwargs)
        now = time.monotonic()
        if now - self._last_heartbeat >= self.heartbeat_every:
            self._last_heartbeat = now
            try:
                record_scheduler_heartbeat()
            except Exception as exc:  # noqa: BLE001 - the database check reports the cause
                logger.warning("beat heartbeat not stored error=%s", type(exc).__name__)
                close_old_connections()
        return interval
