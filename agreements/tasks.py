"""Celery entry points for alert delivery. Names are explicit and stable: beat rows store them.

Tasks call agreements.delivery and return a small JSON summary. A failed delivery is not a
failed task: the row keeps its error and its next try (backoff, Retry-After, quiet hours).
"""

from __future__ import annotations

import logging

from celery import shared_task

from agreements import delivery

logger = logging.getLogger(__name__)


@shared_task(
    name=delivery.SEND_TASK,
    acks_late=True,
    soft_time_limit=240,
    time_limit=300,
    # Queued after every commit that adds deliveries, and by beat each minute: a queued copy
    # that waited longer than that is replaced by a newer one.
    expires=600,
)
def send_deliveries_task() -> dict:
    """Send every delivery that is due (outside its team's quiet hours), one attempt each."""
    tried = delivery.send_due()
    return {"tried": tried}


@shared_task(
    name="agreements.tasks.weekly_digest_task", acks_late=True, soft_time_limit=600, time_limit=900
)
def weekly_digest_task() -> dict:
    """Queue each team's weekly digest once it is due (Monday 09:00 team time, once a week)."""
    queued = delivery.queue_due_digests()
    if queued:
        logger.info("weekly digests queued deliveries=%s", queued)
    return {"queued": queued}
