"""Health checks shared by /healthz and `manage.py health`."""

from datetime import datetime

from django.conf import settings
from django.db import connection
from django.utils import timezone

from agiletrack.celery import app as celery_app
from agiletrack.models import Heartbeat

BEAT_HEARTBEAT = "beat"


def record_beat_heartbeat() -> datetime:
    """Store the time of the beat heartbeat (a service: one upsert)."""
    now = timezone.now()
    Heartbeat.objects.update_or_create(name=BEAT_HEARTBEAT, defaults={"beat_at": now})
    return now


def check_database() -> dict:
    """Run a trivial query on the default database."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        return {"ok": True, "vendor": connection.vendor}
    except Exception as exc:  # noqa: BLE001 - any failure is an unhealthy database
        # The type only: driver messages can carry host names and user names.
        return {"ok": False, "vendor": connection.vendor, "error": type(exc).__name__}


def check_broker() -> dict:
    """Open a connection to the Celery broker."""
    transport = celery_app.conf.broker_url.split("://", 1)[0]
    try:
        with celery_app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, interval_start=0, interval_step=0.2, timeout=3)
        return {"ok": True, "transport": transport}
    except Exception as exc:  # noqa: BLE001 - any failure is an unreachable broker
        return {"ok": False, "transport": transport, "error": type(exc).__name__}


def check_beat() -> dict:
    """Report the age of the last beat heartbeat against the allowed maximum."""
    max_age = settings.AGILETRACK_BEAT_MAX_AGE_SECONDS
    try:
        heartbeat = Heartbeat.objects.filter(name=BEAT_HEARTBEAT).first()
    except Exception as exc:  # noqa: BLE001 - the database check reports the cause
        return {"ok": False, "error": type(exc).__name__, "max_age_seconds": max_age}
    if heartbeat is None:
        return {
            "ok": False,
            "last_heartbeat_at": None,
            "max_age_seconds": max_age,
            "error": "no heartbeat yet: are beat and a worker running?",
        }
    age = (timezone.now() - heartbeat.beat_at).total_seconds()
    result = {
        "ok": age <= max_age,
        "last_heartbeat_at": heartbeat.beat_at.isoformat(),
        "age_seconds": round(age, 1),
        "max_age_seconds": max_age,
    }
    if not result["ok"]:
        result["error"] = "heartbeat is stale: beat or every worker has stopped"
    return result


CHECKS = {"database": check_database, "broker": check_broker, "beat": check_beat}


def run_checks(names: list[str] | None = None) -> dict:
    """Run the named checks (all by default) and summarise them."""
    checks = {name: CHECKS[name]() for name in (names or list(CHECKS))}
    healthy = all(check["ok"] for check in checks.values())
    return {"status": "ok" if healthy else "unhealthy", "checks": checks}
