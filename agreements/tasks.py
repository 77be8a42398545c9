"""Celery entry points of working agreements. Names are explicit and stable: beat rows store
them as text."""

from __future__ import annotations

from celery import shared_task

from agreements import services

EVALUATE_TASK = "agreements.tasks.evaluate_agreements_task"


@shared_task(name=EVALUATE_TASK, acks_late=True, soft_time_limit=10 * 60, time_limit=12 * 60)
def evaluate_agreements_task(team_id: int | None = None) -> dict:
    """Evaluate the active agreements of a team (or of every team) and record the results."""
    return services.evaluate_agreements(team_id)
