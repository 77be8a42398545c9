"""The Prometheus series that web, worker, pool and beat processes write.

prometheus_client runs in multiprocess mode: each process writes its values to files in
PROMETHEUS_MULTIPROC_DIR (exported by the settings, which are loaded first below) and /metrics
adds the files up (agiletrack.observability.collectors). Labels never carry secrets: providers,
statuses, task names and integration ids only.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from django.conf import settings

# Loading the settings exports PROMETHEUS_MULTIPROC_DIR, which prometheus_client reads once, when
# it is imported: without it every process would count in memory only, invisible to /metrics.
METRICS_DIR = settings.AGILETRACK_PROMETHEUS_DIR

from prometheus_client import Counter, Gauge, Histogram  # noqa: E402

from agiletrack.observability.logs import context_value  # noqa: E402

SYNC_RUNS = Counter(
    "agiletrack_sync_runs",
    "Finished sync runs by provider, outcome (succeeded, partial, failed, skipped) and error type.",
    ["provider", "outcome", "error_type"],
)
SYNC_RUN_DURATION = Histogram(
    "agiletrack_sync_run_duration_seconds",
    "Wall time of sync runs that ran (started to finished), by provider.",
    ["provider"],
    buckets=(0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1200, 1800, 3600),
)
RECORDS_INGESTED = Counter(
    "agiletrack_records_ingested",
    "Records stored by syncs, by provider, record kind and change (created, updated, deleted).",
    ["provider", "kind", "change"],
)
API_REQUESTS = Counter(
    "agiletrack_provider_api_requests",
    "Requests to provider APIs by provider and HTTP status; 304 is a free conditional answer; "
    "timeout and connection_error when none came.",
    ["provider", "status"],
)
RATE_LIMIT_REMAINING = Gauge(
    "agiletrack_provider_rate_limit_remaining",
    "Requests left in the provider's rate-limit window (x-ratelimit-remaining), per integration.",
    ["provider", "integration", "resource"],
    multiprocess_mode="mostrecent",
)
RATE_LIMIT_LIMIT = Gauge(
    "agiletrack_provider_rate_limit_limit",
    "Size of the provider's rate-limit window (x-ratelimit-limit), per integration.",
    ["provider", "integration", "resource"],
    multiprocess_mode="mostrecent",
)
TASK_FAILURES = Counter(
    "agiletrack_celery_task_failures",
    "Celery tasks that ended with an exception, by task name.",
    ["task"],
)
TASK_RETRIES = Counter(
    "agiletrack_celery_task_retries",
    "Celery task retries scheduled, by task name.",
    ["task"],
)
ALERTS_OPENED = Counter(
    "agiletrack_alerts_opened",
    "Alerts opened by a broken working agreement, by the rule's kind (item or window).",
    ["rule_kind"],
)
ALERT_DELIVERIES_FAILED = Counter(
    "agiletrack_alert_deliveries_failed",
    "Alert and digest deliveries given up after their last attempt, by channel kind.",
    ["channel"],
)

ALL = (
    SYNC_RUNS,
    SYNC_RUN_DURATION,
    RECORDS_INGESTED,
    API_REQUESTS,
    RATE_LIMIT_REMAINING,
    RATE_LIMIT_LIMIT,
    TASK_FAILURES,
    TASK_RETRIES,
    ALERTS_OPENED,
    ALERT_DELIVERIES_FAILED,
)


def provider_label(provider: str) -> str:
    """GitHub -> github: the integration kinds."""
    return provider.strip().lower() or "unknown"


def count_api_request(provider: str, status: int | str) -> None:
    """One request sent to a provider API and how it ended (an HTTP status or a failure)."""
    API_REQUESTS.labels(provider_label(provider), str(status)).inc()


def record_rate_limit(provider: str, headers: Mapping[str, str]) -> None:
    """The rate-limit headers of a provider answer, for the integration being synced."""
    integration = context_value("integration")
    remaining = headers.get("x-ratelimit-remaining")
    if integration is None or remaining is None:
        return
    labels = (provider_label(provider), str(integration), headers.get("x-ratelimit-resource", ""))
    try:
        RATE_LIMIT_REMAINING.labels(*labels).set(float(remaining))
        if "x-ratelimit-limit" in headers:
            RATE_LIMIT_LIMIT.labels(*labels).set(float(headers["x-ratelimit-limit"]))
    except ValueError:
        return  # a header that is not a number says nothing


def record_sync_run(
    provider: str,
    outcome: str,
    error_type: str,
    started_at: datetime | None,
    finished_at: datetime | None,
    records_by_kind: Mapping[str, Mapping[str, int]],
) -> None:
    """Count a finished sync run: its outcome, duration and the records it stored."""
    provider = provider_label(provider)
    SYNC_RUNS.labels(provider, outcome, error_type or "none").inc()
    if started_at is not None and finished_at is not None:
        SYNC_RUN_DURATION.labels(provider).observe(
            max(0.0, (finished_at - started_at).total_seconds())
        )
    for kind, changes in records_by_kind.items():
        kind = kind.removesuffix("_deleted")
        for change, count in changes.items():
            if count:
                RECORDS_INGESTED.labels(provider, kind, change).inc(count)


def count_task_failure(task_name: str) -> None:
    TASK_FAILURES.labels(task_name or "unknown").inc()


def count_task_retry(task_name: str) -> None:
    TASK_RETRIES.labels(task_name or "unknown").inc()


def count_alert_opened(rule_kind: str) -> None:
    """An agreement broke and opened an alert (`rule_kind`: "item" or "window")."""
    ALERTS_OPENED.labels(rule_kind or "unknown").inc()


def count_delivery_failed(channel_kind: str) -> None:
    """A delivery to a channel of this kind (slack, email, webhook) was given up."""
    ALERT_DELIVERIES_FAILED.labels(channel_kind or "unknown").inc()
