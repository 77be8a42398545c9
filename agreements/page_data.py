"""What the agreements and alerts pages show, shaped from the app's rows and results: the
back-test as a chart and a table, an alert with its items and deliveries, the nav badge, the
weekly digest as it would be sent."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from agreements import evaluation, messages, rules
from agreements.digest import build_digest
from agreements.forms import UNIT_WORDS, rule_in_words
from agreements.models import Alert, Channel, WorkingAgreement
from integrations.models import Team
from metrics.charts import chart


def unresolved_alert_count(team: Team) -> int:
    """The team's alerts not resolved yet (the nav badge): one count query."""
    return Alert.objects.filter(agreement__team=team).exclude(status=Alert.Status.RESOLVED).count()


def backtest_view(agreement: WorkingAgreement, since: date | None, until: date | None) -> dict:
    """The agreement's weekly back-test over [since, until] (default: the last 90 days) as a
    chart description (metrics.charts), its rows and how many weeks broke the rule."""
    default_since, default_until = evaluation.default_range(agreement)
    since, until = since or default_since, until or default_until
    periods = evaluation.backtest(agreement, since, until)
    spec = rules.METRICS[agreement.metric]
    unit = UNIT_WORDS[spec.unit]
    datasets: list[dict[str, Any]]
    if spec.kind == rules.ITEM:
        value_label = "Items breaking the rule"
        datasets = [{"label": value_label, "data": [p.value for p in periods]}]
    else:
        value_label = f"{spec.label} ({unit})"
        datasets = [
            {"label": value_label, "data": [p.value for p in periods]},
            {
                "label": f"Threshold ({agreement.threshold:g} {unit})",
                "type": "line",
                "data": [agreement.threshold for _ in periods],
                "pointRadius": 0,
                "borderDash": [6, 4],
            },
        ]
    tz = evaluation.team_zone(agreement)
    labels = [p.start.astimezone(tz).date() for p in periods]
    rows = [
        {
            "week": label,
            "value": period.value,
            "breached": period.breached,
            "items": period.items,
            "partial": (period.end - period.start) < evaluation.PERIOD,
        }
        for label, period in zip(labels, periods, strict=True)
    ]
    return {
        "since": since,
        "until": until,
        "rule": rule_in_words(agreement),
        "value_label": value_label,
        "unit": unit,
        "item_rule": spec.kind == rules.ITEM,
        "weeks": len(periods),
        "breached_weeks": sum(1 for p in periods if p.breached),
        "rows": rows,
        "chart": chart(
            "bar",
            labels,
            datasets,
            title=f"Back-test per week: {rule_in_words(agreement)}",
            partial=[row["partial"] for row in rows],
        ),
    }


def describe_alert(alert: Alert) -> dict:
    """An alert as the alerts page lists it: its rule, its items and its deliveries."""
    details = alert.details or {}
    spec = rules.METRICS.get(alert.agreement.metric)
    return {
        "alert": alert,
        "rule": rule_in_words(alert.agreement),
        "unit": UNIT_WORDS[spec.unit] if spec else "",
        "item_rule": bool(spec and spec.kind == rules.ITEM),
        "items": details.get("items", []),
        "item_count": details.get("item_count", len(details.get("items", []))),
        "deliveries": list(alert.deliveries.all()),
    }


def digest_week(team: Team, asked: str | None, now: datetime) -> date:
    """The Monday whose digest is previewed: of the week of the date asked (YYYY-MM-DD), else of
    the team's current week (the digest sent this Monday, of the week before)."""
    day = None
    if asked:
        try:
            day = date.fromisoformat(asked)
        except ValueError:
            day = None
    if day is None:
        day = now.astimezone(ZoneInfo(team.time_zone or "UTC")).date()
    return day - timedelta(days=day.weekday())


def digest_preview(team: Team, week_start: date, now: datetime) -> dict:
    """The team's digest for `week_start` as agreements.digest builds it, and the email it
    makes (the Slack message carries the same lines)."""
    digest = build_digest(team, week_start, now)
    email = messages.digest_payload(digest, Channel(team=team, kind=Channel.Kind.EMAIL))
    kept = [row for row in digest["agreements"] if row["kept"]]
    return {
        "digest": digest,
        "email": email,
        "kept": kept,
        "broken": [row for row in digest["agreements"] if not row["kept"]],
        "week_start": week_start,
        "previous_week": week_start - timedelta(days=7),
        "next_week": week_start + timedelta(days=7),
    }
