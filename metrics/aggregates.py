"""Summaries computed by the database: count, percentiles, mean, min and max of one column.

PostgreSQL computes percentiles itself (`percentile_cont`, the same linear interpolation as
metrics.calculations.percentile). SQLite has no percentile function, so there the one column is
read in order and summarised in Python; only that column travels, never whole rows.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Hashable, Mapping

from django.db import connections
from django.db.models import Aggregate, Avg, Count, Expression, F, FloatField, Max, Min, QuerySet

from metrics.calculations import Summary, summarize

QUANTILES = {"median": 0.5, "p75": 0.75, "p90": 0.9}


class PercentileCont(Aggregate):
    """PostgreSQL's ordered-set aggregate `percentile_cont(fraction) WITHIN GROUP (ORDER BY x)`."""

    function = "PERCENTILE_CONT"
    name = "PercentileCont"
    template = "%(function)s(%(fraction)s) WITHIN GROUP (ORDER BY %(expressions)s)"
    output_field = FloatField()

    def __init__(self, expression, fraction: float, **extra):
        if not 0 <= fraction <= 1:
            raise ValueError("fraction must be between 0 and 1")
        super().__init__(expression, fraction=repr(float(fraction)), **extra)


def _computes_percentiles(queryset: QuerySet) -> bool:
    return connections[queryset.db].vendor == "postgresql"


def _as_expression(value: str | Expression) -> F | Expression:
    return F(value) if isinstance(value, str) else value


def summary(queryset: QuerySet, value: str | Expression) -> Summary:
    """Summary of `value` (a column or an expression) over the rows of `queryset`; rows where
    it is NULL are left out, as metrics.calculations.summarize leaves out None."""
    return summaries(queryset, {"value": value})["value"]


def summaries(queryset: QuerySet, values: Mapping[str, str | Expression]) -> dict[str, Summary]:
    """`summary` of several values over the same rows, in one query on PostgreSQL (SQL
    aggregates skip NULLs, so each value is summarised over its own non-NULL rows)."""
    if not _computes_percentiles(queryset):
        found = {}
        for name, value in values.items():
            rows = queryset.annotate(_value=_as_expression(value)).filter(_value__isnull=False)
            found[name] = summarize(rows.order_by().values_list("_value", flat=True))
        return found
    aggregates: dict[str, Aggregate] = {}
    for index, value in enumerate(values.values()):
        expression = _as_expression(value)
        aggregates |= {
            f"count_{index}": Count(expression),
            f"mean_{index}": Avg(expression),
            f"min_{index}": Min(expression),
            f"max_{index}": Max(expression),
            **{f"{q}_{index}": PercentileCont(expression, f) for q, f in QUANTILES.items()},
        }
    row = queryset.order_by().aggregate(**aggregates)
    return {
        name: Summary(
            count=row[f"count_{index}"],
            median=row[f"median_{index}"],
            p75=row[f"p75_{index}"],
            p90=row[f"p90_{index}"],
            mean=float(row[f"mean_{index}"]),
            min=row[f"min_{index}"],
            max=row[f"max_{index}"],
        )
        if row[f"count_{index}"]
        else summarize(())
        for index, name in enumerate(values)
    }


def grouped_summaries(
    queryset: QuerySet, group: Expression, value: str | Expression
) -> dict[Hashable, Summary]:
    """Summary of `value` per distinct `group` (e.g. a local week), groups without values left
    out."""
    rows = queryset.annotate(_group=group, _value=_as_expression(value)).filter(
        _value__isnull=False
    )
    if not _computes_percentiles(queryset):
        values: dict[Hashable, list] = defaultdict(list)
        for key, item in rows.order_by().values_list("_group", "_value"):
            values[key].append(item)
        return {key: summarize(items) for key, items in values.items()}
    grouped = (
        rows.order_by()
        .values("_group")
        .annotate(
            count=Count("_value"),
            mean=Avg("_value"),
            min=Min("_value"),
            max=Max("_value"),
            **{name: PercentileCont("_value", q) for name, q in QUANTILES.items()},
        )
    )
    return {
        row["_group"]: Summary(
            count=row["count"],
            median=row["median"],
            p75=row["p75"],
            p90=row["p90"],
            mean=float(row["mean"]),
            min=row["min"],
            max=row["max"],
        )
        for row in grouped
    }
