"""Chart descriptions for the dashboard pages, drawn by static/agiletrack/charts.js (Chart.js)."""

from __future__ import annotations

from collections.abc import Iterable
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


def work_item_charts(
    metrics: dict,
    finished: Iterable,
    done: list[dict],
    interval: str,
    previous_done: list[dict],
    offset: int,
) -> dict:
    """The work item page's charts: cycle time scatter, cumulative flow, throughput (with the
    previous window's lines beside it)."""
    cycle = metrics["cycle_time"]
    flow = metrics["cumulative_flow"]
    return {
        "scatter": chart(
            "scatter",
            [],
            [
                {
                    "label": "Finished work items",
                    "data": [
                        {"x": int(at.timestamp() * 1000), "y": minutes, "key": key}
                        for key, at, minutes in finished
                        if at is not None
                    ],
                }
            ],
            unit="minutes",
            time_x=True,
            utc_offset_minutes=offset,
            lines=[
                {"label": f"{name} {label}", "value": cycle[name]}
                for name, label in (("median", ""), ("p75", ""), ("p90", ""))
                if cycle[name] is not None
            ],
            title="Cycle time of work items finished in the window",
        ),
        "flow": chart(
            "line",
            [row["day"] for row in flow],
            [
                {"label": "Done", "data": [row["done"] for row in flow], "fill": True},
                {
                    "label": "In progress",
                    "data": [row["in_progress"] for row in flow],
                    "fill": True,
                },
                {"label": "To do", "data": [row["todo"] for row in flow], "fill": True},
            ],
            stacked=True,
            title="Cumulative flow: work items per status category at the end of each day",
        ),
        "throughput": chart(
            "bar",
            [p["period"] for p in done],
            [{"label": "Work items done", "data": [p["value"] for p in done]}, *previous_done],
            title=f"Work items finished per {interval}",
            partial=[p["partial"] for p in done],
        ),
    }
