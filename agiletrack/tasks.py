"""Celery tasks of the platform itself."""

from celery import shared_task

from agiletrack import health


@shared_task(name="agiletrack.tasks.beat_heartbeat_task")
def beat_heartbeat_task() -> dict:
    """Record that beat scheduled this task and a worker ran it."""
    beat_at = health.record_beat_heartbeat()
    return {"heartbeat": health.BEAT_HEARTBEAT, "beat_at": beat_at.isoformat()}
