"""Chart descriptions for the dashboard pages, drawn by static/agiletrack/charts.js (Chart.js)."""

from __future__ import annotations

from typing import Any

from metrics.scope import MetricScope


def chart(kind: str, labels: list, datasets: list[dict], **options: Any) -> dict:
    """A chart description for static/agiletrack/charts.js (Chart.js under the hood); a
    `partial` list (one flag per label) draws those periods lighter. A chart with no value
    but zeros is `empty`: the page says so instead of drawing bare axes."""
    return {
        "type": kind,
        "labels": [str(label) for label in labels],
        "datasets": datasets,
        "empty": not any(_plotted(value) for dataset in datasets for value in dataset["data"]),
        **options,
    }


def _plotted(value: Any) -> bool:
    if isinstance(value, dict):
        value = value.get("y")
    return value is not None and value != 0


def utc_offset_minutes(scope: MetricScope) -> int:
    """The team's offset from UTC at the window's end, for round local ticks on time axes."""
    offset = scope.moment.astimezone(scope.tz).utcoffset()
    return int(offset.total_seconds() // 60) if offset else 0
