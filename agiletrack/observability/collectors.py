"""What /metrics exposes: the processes' series (multiprocess files) and scrape-time gauges."""

from __future__ import annotations

import logging
import math
from collections.abc import Iterable, Iterator
from datetime import datetime
from pathlib import Path

from django.conf import settings
from django.utils import timezone
from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.registry import Collector

from agiletrack.health import BEAT_HEARTBEAT as BEAT_TASK_HEARTBEAT
from agiletrack.models import Heartbeat
from agiletrack.observability import metrics
from agiletrack.observability.beat import BEAT_SCHEDULER_HEARTBEAT

logger = logging.getLogger(__name__)

# kombu's Redis transport keeps messages of priority n > 0 in "<queue>\x06\x16<n>" lists.
REDIS_PRIORITY_SEPARATOR = "\x06\x16"
REDIS_PRIORITY_STEPS = (0, 3, 6, 9)


class MultiProcessTreeCollector(MultiProcessCollector):
    """prometheus_client's multiprocess collector over a folder and its per-host sub-folders.

    Series no process has written yet are listed without samples, so every family is always
    described (dashboards and alert rules can rely on the names)."""

    def collect(self) -> Iterable[Metric]:
        files = sorted(str(path) for path in Path(self._path).glob("**/*.db"))
        merged = list(self.merge(files, accumulate=True))
        written = {family.name for family in merged}
        for metric in metrics.ALL:
            merged.extend(family for family in metric.describe() if family.name not in written)
        return merged


def heartbeat_ages(now: datetime | None = None) -> dict[str, float]:
    """Seconds since beat's scheduler tick and since the heartbeat task ran; +Inf: never."""
    now = now or timezone.now()
    stored = dict(
        Heartbeat.objects.filter(
            name__in=[BEAT_SCHEDULER_HEARTBEAT, BEAT_TASK_HEARTBEAT]
        ).values_list("name", "beat_at")
    )
    return {
        name: (now - stored[name]).total_seconds() if name in stored else math.inf
        for name in (BEAT_SCHEDULER_HEARTBEAT, BEAT_TASK_HEARTBEAT)
    }


def queue_names() -> list[str]:
    return sorted({settings.CELERY_TASK_DEFAULT_QUEUE, settings.AGILETRACK_PRIORITY_QUEUE})


def queue_lengths() -> dict[str, int]:
    """Messages waiting in each queue the worker consumes, counted on the broker now."""
    from agiletrack.celery import app as celery_app

    names = queue_names()
    with celery_app.connection_for_read() as conn:
        conn.ensure_connection(max_retries=1, interval_start=0, interval_step=0.2, timeout=3)
        channel = conn.default_channel
        if conn.transport.driver_type == "redis":
            client = channel.client
            lengths = {}
            for name in names:
                lists = [name] + [
                    f"{name}{REDIS_PRIORITY_SEPARATOR}{step}" for step in REDIS_PRIORITY_STEPS[1:]
                ]
                lengths[name] = sum(int(client.llen(key)) for key in lists)
            return lengths
        # The embedded SQLAlchemy transport counts the visible rows of the queue's table.
        return {
            name: int(channel.queue_declare(queue=name, passive=True).message_count)
            for name in names
        }


class ScrapeTimeCollector(Collector):
    """Gauges read when Prometheus scrapes: heartbeat ages and queue lengths."""

    def collect(self) -> Iterator[Metric]:
        ages = GaugeMetricFamily(
            "agiletrack_beat_heartbeat_age_seconds",
            "Seconds since celery beat's scheduler last ticked (+Inf: never).",
        )
        task_age = GaugeMetricFamily(
            "agiletrack_beat_task_heartbeat_age_seconds",
            "Seconds since a worker last ran the heartbeat task beat sends every 30 s "
            "(what /healthz checks; +Inf: never).",
        )
        try:
            heartbeats = heartbeat_ages()
        except Exception as exc:  # noqa: BLE001 - a scrape reports what it can
            logger.warning("heartbeat read failed error=%s", type(exc).__name__)
        else:
            ages.add_metric([], heartbeats[BEAT_SCHEDULER_HEARTBEAT])
            task_age.add_metric([], heartbeats[BEAT_TASK_HEARTBEAT])
        yield ages
        yield task_age

        lengths = GaugeMetricFamily(
            "agiletrack_celery_queue_length",
            "Messages waiting in a Celery queue (read from the broker at scrape time).",
            labels=["queue"],
        )
        broker_up = GaugeMetricFamily(
            "agiletrack_celery_broker_up", "1 when the broker answered the queue-length read."
        )
        try:
            counted = queue_lengths()
        except Exception as exc:  # noqa: BLE001 - an unreachable broker is a value, not a 500
            logger.warning("queue length read failed error=%s", type(exc).__name__)
            broker_up.add_metric([], 0)
        else:
            broker_up.add_metric([], 1)
            for name, length in counted.items():
                lengths.add_metric([name], length)
        yield lengths
        yield broker_up


def render_metrics(metrics_dir: Path | None = None) -> bytes:
    """The Prometheus text exposition of every process's series plus the scrape-time gauges."""
    path = Path(metrics_dir or settings.AGILETRACK_PROMETHEUS_DIR)
    path.mkdir(parents=True, exist_ok=True)
    registry = CollectorRegistry(auto_describe=False)
    MultiProcessTreeCollector(registry, path=str(path))
    registry.register(ScrapeTimeCollector())
    return generate_latest(registry)
