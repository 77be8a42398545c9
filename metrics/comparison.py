"""What a page compares its window with: the previous window's time series drawn beside the
window's own (a dashed line per metric), and trends only where that window had data."""

from __future__ import annotations

from metrics.scope import MetricScope
from metrics.selectors import timeseries

# The previous window's line: grey, dashed, no points; its own stack so bars never carry it.
PREVIOUS_STYLE = {
    "type": "line",
    "borderColor": "#6b7280",
    "backgroundColor": "#6b7280",
    "borderDash": [6, 4],
    "pointRadius": 0,
    "fill": False,
    "stack": "previous",
    "comparison": True,
}


def previous_lines(
    before: MetricScope, series: dict[str, str], interval: str, count: int
) -> list[dict]:
    """One chart dataset per metric of `series` (metric: label) over the previous window, period
    by period from its start, lined up with the window's `count` periods (None where it has no
    such period). Nothing when the previous window lies wholly before the first data."""
    if not before.elapsed_days:
        return []
    lines = []
    for metric, label in series.items():
        values = [point["value"] for point in timeseries(before, metric, interval)][:count]
        data = values + [None] * (count - len(values))
        lines.append({"label": label, "data": data, **PREVIOUS_STYLE})
    return lines


def trends_only_with_data(tiles: list[dict], before: MetricScope) -> list[dict]:
    """The tiles, without trends when the previous window lies wholly before the first data."""
    return tiles if before.elapsed_days else [{**tile, "trend": None} for tile in tiles]
