"""Celery entry points of working agreements: evaluation and alert delivery. Names are explicit
and stable: beat rows store them as text.

A failed delivery is not a failed task: the row keeps its error and its next try (backoff,
Retry-After, quiet hours).
"""

from __future__ import annotations

import logging

from celery import shared_task

from agreements import delivery, services

logger = logging.getLogger(__name__)

EVALUATE_TASK = "agreements.tasks.evaluate_agreements_task"


@shared_task(name=EVALUATE_TASK, acks_late=True, soft_time_limit=10 * 60, time_limit=12 * 60)
def evaluate_agreements_task(team_id: int | None = None) -> dict:
    """Evaluate the active agreements of a team (or of every team) and record the results."""
    return services.evaluate_agreements(team_id)


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
