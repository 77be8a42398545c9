"""A team's weekly digest: DORA with its trend, the agreements kept and broken, and the oldest
open pull requests and items in progress, for the seven local days before `week_start`.

Every number is read through metrics.selectors (one definition per metric); the digest only
picks and arranges them into plain JSON values (stored as a delivery's payload).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from django.utils import timezone

from agreements.models import Alert, WorkingAgreement
from integrations.models import Team
from metrics import selectors

OLDEST_LISTED = 5
# (key, label, unit, how to read the value from dora_metrics, whether higher is better)
DORA_ROWS = (
    ("deployment_frequency", "Deployments per week", "per week", ("per_week",), True),
    ("lead_time_for_changes", "Lead time (median)", "hours", ("summary", "median"), False),
    ("change_failure_rate", "Change failure rate", "percent", ("rate",), False),
    ("time_to_restore", "Time to restore (median)", "hours", ("summary", "median"), False),
)


def _read(metric: dict, path: tuple[str, ...], unit: str) -> float | None:
    value: Any = metric
    for key in path:
        value = value.get(key) if isinstance(value, dict) else None
    if value is None:
        return None
    number = float(value)
    if unit == "hours":  # summaries are in minutes
        number /= 60
    elif unit == "percent":  # a ratio
        number *= 100
    return round(number, 2)


def dora_rows(this_week: dict, last_week: dict) -> list[dict]:
    """Each DORA metric this week and the week before, with the change and whether it is better."""
    rows = []
    for key, label, unit, path, higher_is_better in DORA_ROWS:
        value = _read(this_week.get(key, {}), path, unit)
        previous = _read(last_week.get(key, {}), path, unit)
        change = None if value is None or previous is None else round(value - previous, 2)
        trend = "same" if not change else ("up" if change > 0 else "down")
        better = None if not change else (change > 0) == higher_is_better
        rows.append(
            {
                "metric": key,
                "label": label,
                "unit": unit,
                "value": value,
                "previous": previous,
                "trend": trend,
                "better": better,
                "band": this_week.get(key, {}).get("band"),
            }
        )
    return rows


def agreement_rows(team: Team, start: datetime, end: datetime) -> list[dict]:
    """Each active agreement of the team: kept, or broken with the alerts it opened in the week."""
    rows = []
    for agreement in WorkingAgreement.objects.filter(team=team, paused=False).order_by("name"):
        opened = Alert.objects.filter(
            agreement=agreement, opened_at__gte=start, opened_at__lt=end
        ).count()
        rows.append(
            {
                "id": agreement.pk,
                "name": agreement.name,
                "kept": opened == 0,
                "alerts_opened": opened,
            }
        )
    return rows


def build_digest(team: Team, week_start: date, now: datetime | None = None) -> dict:
    """The digest of the seven local days before `week_start` (a Monday), as JSON values."""
    now = now or timezone.now()
    since, until = week_start - timedelta(days=7), week_start - timedelta(days=1)
    scope = selectors.metric_scope(team, since=since, until=until, now=now)
    before = scope.previous()
    reads = selectors.DoraReads([scope, before])  # both weeks from one read
    this_week = selectors.dora_metrics(scope, reads)
    last_week = selectors.dora_metrics(before, reads)
    open_prs = selectors.list_pull_requests(scope, sort="created").oldest_open
    aging = selectors.list_aging_work_items(scope, OLDEST_LISTED)
    moment = scope.moment
    return {
        "team": {"id": team.pk, "name": team.name, "slug": team.slug},
        "week": {
            "since": since.isoformat(),
            "until": until.isoformat(),
            "time_zone": scope.time_zone,
        },
        "dora": dora_rows(this_week, last_week),
        "agreements": agreement_rows(team, scope.start, scope.end),
        "oldest_open_pull_requests": [
            {
                "label": f"{pr.repository}#{pr.number} {pr.title}"[:200],
                "url": pr.url,
                "age_days": round((moment - pr.created_at).total_seconds() / 86400, 1),
            }
            for pr in open_prs[:OLDEST_LISTED]
        ],
        "oldest_in_progress_items": [
            {
                "label": f"{item.key} {item.title}"[:200],
                "url": item.url,
                "age_days": round((moment - item.since).total_seconds() / 86400, 1),
            }
            for item in aging
        ],
    }
