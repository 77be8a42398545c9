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


def _aggregates(value: str | Expression, suffix: str = "") -> dict[str, Aggregate]:
    """The SQL aggregates of one summary, named count{suffix}, mean{suffix}, ...."""
    expression = _as_expression(value)
    return {
        f"count{suffix}": Count(expression),
        f"mean{suffix}": Avg(expression),
        f"min{suffix}": Min(expression),
        f"max{suffix}": Max(expression),
        **{f"{name}{suffix}": PercentileCont(expression, q) for name, q in QUANTILES.items()},
    }


def _summary(row: Mapping, suffix: str = "") -> Summary:
    """The Summary of what `_aggregates` computed (an empty one when nothing was counted)."""
    if not row[f"count{suffix}"]:
        return summarize(())
    return Summary(
        count=row[f"count{suffix}"],
        median=row[f"median{suffix}"],
        p75=row[f"p75{suffix}"],
        p90=row[f"p90{suffix}"],
        mean=float(row[f"mean{suffix}"]),
        min=row[f"min{suffix}"],
        max=row[f"max{suffix}"],
    )


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
        aggregates |= _aggregates(value, f"_{index}")
    row = queryset.order_by().aggregate(**aggregates)
    return {name: _summary(row, f"_{index}") for index, name in enumerate(values)}


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
    grouped = rows.order_by().values("_group").annotate(**_aggregates("_value"))
    return {row["_group"]: _summary(row) for row in grouped}
