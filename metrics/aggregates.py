"""Summaries computed by the database: count, percentiles, mean, min and max of one column.

PostgreSQL computes percentiles itself (`percentile_cont`, the same linear interpolation as
metrics.calculations.percentile). SQLite has no percentile function, so there the one column is
read in order and summarised in Python; only that column travels, never whole rows.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Hashable, Mapping
from datetime import datetime

from django.core.exceptions import EmptyResultSet
from django.db import connections
from django.db.models import (
    Aggregate,
    Avg,
    Count,
    DateTimeField,
    Expression,
    F,
    FloatField,
    Func,
    IntegerField,
    Max,
    Min,
    Q,
    QuerySet,
    Value,
)

from metrics.calculations import Summary, floor_minutes, span_minutes, summarize

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


class MinutesUntil(Func):
    """PostgreSQL: whole minutes from a time column to a fixed instant, rounded up (CEIL) or
    down (FLOOR), as calculations.span_minutes and floor_minutes count them."""

    # date_part gives seconds as a double, as Python's timedelta.total_seconds() does (EXTRACT
    # gives an exact numeric, which costs twice as much here for the same whole minutes).
    template = "CAST(%(rounding)s(DATE_PART('epoch', %(expressions)s) / 60) AS integer)"
    arg_joiner = " - "
    output_field = IntegerField()

    def __init__(self, start: F | Expression, end: datetime, *, round_up: bool):
        super().__init__(
            Value(end, output_field=DateTimeField()),
            start,
            rounding="CEIL" if round_up else "FLOOR",
        )


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
    return summaries_and_counts(queryset, values)[0]


# Rows counted beside summaries: name -> the rows it counts (None: every row).
Counts = Mapping[str, Q | None]


def _count_aggregates(counts: Counts) -> dict[str, Aggregate]:
    # COUNT(1), not COUNT(id): a covering index holds the columns summarised, not the key.
    return {f"rows_{name}": Count(Value(1), filter=rows) for name, rows in counts.items()}


def summaries_and_counts(
    queryset: QuerySet, values: Mapping[str, str | Expression], counts: Counts | None = None
) -> tuple[dict[str, Summary], dict[str, int]]:
    """`summaries` of the values, and how many of the rows each of `counts` matches, in one
    query on PostgreSQL."""
    counts = counts or {}
    if not _computes_percentiles(queryset):
        found = {}
        for name, value in values.items():
            rows = queryset.annotate(_value=_as_expression(value)).filter(_value__isnull=False)
            found[name] = summarize(rows.order_by().values_list("_value", flat=True))
        counted = queryset.order_by().aggregate(**_count_aggregates(counts)) if counts else {}
        return found, {name: counted[f"rows_{name}"] for name in counts}
    aggregates: dict[str, Aggregate] = _count_aggregates(counts)
    for index, value in enumerate(values.values()):
        aggregates |= _aggregates(value, f"_{index}")
    row = queryset.order_by().aggregate(**aggregates)
    return (
        {name: _summary(row, f"_{index}") for index, name in enumerate(values)},
        {name: row[f"rows_{name}"] for name in counts},
    )


def minutes_until_summary(
    queryset: QuerySet, start: str | Expression, end: datetime, *, round_up: bool
) -> Summary:
    """Summary of the whole minutes from `start` (a time column or expression) of each row to
    the instant `end`, rounded up or down; rows where `start` is NULL or after `end` are left
    out, as span_minutes and floor_minutes give them None. PostgreSQL computes the minutes;
    elsewhere the start times are read and counted in Python."""
    rows = queryset.annotate(_start=_as_expression(start)).filter(_start__lte=end)
    if not _computes_percentiles(queryset):
        minutes = span_minutes if round_up else floor_minutes
        return summarize(
            minutes(at, end) for at in rows.order_by().values_list("_start", flat=True)
        )
    return _summary_computed_once(rows, MinutesUntil(F("_start"), end, round_up=round_up))


def _summary_computed_once(queryset: QuerySet, value: Expression) -> Summary:
    """PostgreSQL: `summary` of an expression computed once per row. Written as the aggregates
    of one select, PostgreSQL computes the expression once for each of them; here the rows'
    values are selected first (OFFSET 0 keeps that select from being merged into the outer
    one) and summarised over that, about half the time for the open pull requests' ages."""
    values = queryset.order_by().annotate(_value=value).values_list("_value")
    try:
        inner, params = values.query.get_compiler(queryset.db).as_sql()
    except EmptyResultSet:  # no rows can match (a scope without integrations)
        return summarize(())
    percentiles = ", ".join(
        f"PERCENTILE_CONT({fraction!r}) WITHIN GROUP (ORDER BY value)"
        for fraction in QUANTILES.values()
    )
    # Django's compiled select (its params apart) and constants: nothing from input.
    sql = (
        "SELECT COUNT(value), AVG(value), MIN(value), MAX(value), "  # noqa: S608
        f"{percentiles} FROM ({inner} OFFSET 0) AS summarised (value)"
    )
    with connections[queryset.db].cursor() as cursor:
        cursor.execute(sql, params)
        found = cursor.fetchone()
    return _summary(dict(zip(["count", "mean", "min", "max", *QUANTILES], found, strict=True)))


def grouped_summaries(
    queryset: QuerySet, group: Expression, value: str | Expression
) -> dict[Hashable, Summary]:
    """Summary of `value` per distinct `group` (e.g. a local week), groups without values left
    out."""
    rows = queryset.annotate(_value=_as_expression(value)).filter(_value__isnull=False)
    return {
        key: found["value"]
        for key, found in grouped_summaries_of(rows, group, {"value": "_value"}).items()
    }


def grouped_summaries_of(
    queryset: QuerySet, group: Expression, values: Mapping[str, str | Expression]
) -> dict[Hashable, dict[str, Summary]]:
    """`summaries` of several values per distinct `group`, in one query on PostgreSQL: each
    value over its own non-NULL rows, an empty Summary where a group has none."""
    return {
        key: found
        for key, (found, _) in grouped_summaries_and_counts(queryset, group, values).items()
    }


def grouped_summaries_and_counts(
    queryset: QuerySet,
    group: Expression,
    values: Mapping[str, str | Expression],
    counts: Counts | None = None,
) -> dict[Hashable, tuple[dict[str, Summary], dict[str, int]]]:
    """grouped_summaries_of, and per group how many of its rows each of `counts` matches, in
    one query on PostgreSQL."""
    counts = counts or {}
    names = list(values)
    rows = queryset.annotate(
        _group=group, **{f"_v{i}": _as_expression(v) for i, v in enumerate(values.values())}
    ).order_by()
    if not _computes_percentiles(queryset):
        found: dict[Hashable, list[list]] = defaultdict(lambda: [[] for _ in names])
        for key, *items in rows.values_list("_group", *(f"_v{i}" for i in range(len(names)))):
            for collected, item in zip(found[key], items, strict=True):
                if item is not None:
                    collected.append(item)
        counted = {
            row["_group"]: row
            for row in (
                rows.values("_group").annotate(**_count_aggregates(counts)) if counts else ()
            )
        }
        return {
            key: (
                {name: summarize(items) for name, items in zip(names, lists, strict=True)},
                {name: counted[key][f"rows_{name}"] for name in counts},
            )
            for key, lists in found.items()
        }
    aggregates: dict[str, Aggregate] = _count_aggregates(counts)
    for i in range(len(names)):
        aggregates |= _aggregates(f"_v{i}", f"_{i}")
    grouped = rows.values("_group").annotate(**aggregates)
    return {
        row["_group"]: (
            {name: _summary(row, f"_{i}") for i, name in enumerate(names)},
            {name: row[f"rows_{name}"] for name in counts},
        )
        for row in grouped
    }
