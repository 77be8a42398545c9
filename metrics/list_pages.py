"""Pages of the drill-down lists (50 rows each), cheap at both ends of a long list.

A list is a queryset ordered by one column (nulls last) and then by id, newest first. "Next" and
"Previous" carry a cursor, the sort value and id of the last (first) row shown, and read the 50
rows after (before) it: a keyset read, as fast on page 300 as on page 1. A page asked for by number
(the first, the last, a typed one) is read from the nearer end of the list: the last page is the
reverse order's first rows. The count the page shows is one COUNT of the list.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from math import ceil
from urllib.parse import urlencode

from django.core.exceptions import FieldDoesNotExist
from django.db.models import F, OrderBy, Q, QuerySet
from django.db.models.expressions import Combinable

PAGE_SIZE = 50
# The query parameters of a page: what a link to another page replaces.
PAGE_PARAMS = ("page", "after", "before")


@dataclass(frozen=True)
class Order:
    """How a list is ordered: `column` (nulls last), then the id, highest first."""

    column: str
    descending: bool
    # A column that is never empty is ordered without a nulls clause, so that an index on
    # (column, id) read forward or backward gives the order itself.
    nullable: bool = True

    def forward(self) -> list[OrderBy]:
        column = F(self.column)
        nulls = {"nulls_last": True} if self.nullable else {}
        first = column.desc(**nulls) if self.descending else column.asc(**nulls)
        return [first, F("pk").desc()]

    def backward(self) -> list[OrderBy]:
        column = F(self.column)
        nulls = {"nulls_first": True} if self.nullable else {}
        first = column.asc(**nulls) if self.descending else column.desc(**nulls)
        return [first, F("pk").asc()]

    def after(self, value, pk: int) -> Q:
        """The rows that come after (value, pk) in the forward order."""
        if value is None:
            return Q(**{f"{self.column}__isnull": True, "pk__lt": pk})
        beyond = "lt" if self.descending else "gt"
        return (
            Q(**{f"{self.column}__{beyond}": value})
            | Q(**{self.column: value, "pk__lt": pk})
            | Q(**{f"{self.column}__isnull": True})
        )

    def before(self, value, pk: int) -> Q:
        """The rows that come before (value, pk) in the forward order."""
        if value is None:
            return Q(**{f"{self.column}__isnull": False}) | Q(
                **{f"{self.column}__isnull": True, "pk__gt": pk}
            )
        ahead = "gt" if self.descending else "lt"
        return Q(**{f"{self.column}__{ahead}": value}) | Q(**{self.column: value, "pk__gt": pk})


def order_of(rows: QuerySet) -> Order:
    """The list's order, as its queryset states it: one column, then "-pk" (or "-id")."""
    ordering = list(rows.query.order_by)
    if len(ordering) != 2 or ordering[1] not in ("-pk", "-id"):
        raise ValueError(f"a list is ordered by one column and then -pk, not {ordering}")
    first = ordering[0]
    if isinstance(first, str):
        column, descending = first.lstrip("-"), first.startswith("-")
    elif isinstance(first, OrderBy) and isinstance(first.expression, F):
        column, descending = first.expression.name, first.descending  # type: ignore[attr-defined]
    else:
        raise ValueError(f"cannot page a list ordered by {first!r}")
    try:
        nullable = rows.model._meta.get_field(column).null
    except FieldDoesNotExist:  # an annotation
        nullable = True
    return Order(column, descending, nullable)


def cursor(value, pk: int) -> str:
    """A row's place in its list, for a link: its sort value (typed) and id."""
    if value is None:
        return f"n_{pk}"
    if isinstance(value, datetime):
        return f"t{value.isoformat()}_{pk}"
    if isinstance(value, int):
        return f"i{value}_{pk}"
    raise ValueError(f"cannot put {type(value).__name__} in a cursor")


def parse_cursor(text: str | None) -> tuple[object, int] | None:
    """(value, id) of a cursor; None for none or a malformed one (the page is read by number)."""
    if not text:
        return None
    kind, rest = text[:1], text[1:]
    value_text, _, pk_text = rest.rpartition("_")
    try:
        pk = int(pk_text)
        if kind == "n" and value_text == "":
            return None, pk
        if kind == "t":
            return datetime.fromisoformat(value_text), pk
        if kind == "i":
            return int(value_text), pk
    except ValueError:
        return None
    return None


@dataclass(frozen=True)
class Counted:
    """What Django's Paginator tells a template: the rows listed and the pages they fill."""

    count: int
    num_pages: int


@dataclass(frozen=True)
class ListPage:
    """One page of a list, with the links to its neighbours (as Django's Page, plus cursors)."""

    object_list: list
    number: int
    paginator: Counted
    order: Order

    def __iter__(self) -> Iterator:
        return iter(self.object_list)

    def __len__(self) -> int:
        return len(self.object_list)

    def has_next(self) -> bool:
        return self.number < self.paginator.num_pages and bool(self.object_list)

    def has_previous(self) -> bool:
        return self.number > 1

    def has_other_pages(self) -> bool:
        return self.paginator.num_pages > 1

    def _place(self, row) -> str:
        return cursor(getattr(row, self.order.column), row.pk)

    def next_query(self) -> str:
        """`page=…&after=…`: the next page, read after this page's last row."""
        after = self._place(self.object_list[-1])
        return urlencode({"page": self.number + 1, "after": after})

    def previous_query(self) -> str:
        """`page=…&before=…`: the previous page, read before this page's first row."""
        if self.number == 2:
            return "page=1"
        before = self._place(self.object_list[0])
        return urlencode({"page": self.number - 1, "before": before})


def page_number(text: str | None, num_pages: int) -> int:
    """The page asked for ("last" or a number; anything else is the first), within the list."""
    if text == "last":
        return num_pages
    try:
        number = int(text or 1)
    except ValueError:
        return 1
    return min(max(number, 1), num_pages)


def _slice(rows: QuerySet, ordering: Sequence[str | Combinable], start: int, end: int) -> list:
    """Rows [start:end] of `rows` in `ordering`: their ids first, a sort of narrow rows (sorting
    a year of whole pull requests to keep 50 costs twice as much), then those rows. One a sync
    removed in between is left out."""
    ids = list(
        rows.prefetch_related(None).order_by(*ordering).values_list("pk", flat=True)[start:end]
    )
    found = {row.pk: row for row in rows.filter(pk__in=ids)}
    return [found[pk] for pk in ids if pk in found]


def first_rows(rows: QuerySet, count: int) -> list:
    """The first `count` rows of `rows` in the order it states (order_by; a model's default
    ordering is not read), read as a page is (ids first)."""
    if not rows.query.order_by:
        raise ValueError("first_rows needs a queryset ordered with order_by()")
    return _slice(rows, rows.query.order_by, 0, count)


def list_page(rows: QuerySet, params: Mapping[str, str], size: int = PAGE_SIZE) -> ListPage:
    """The page of `rows` the query parameters ask for: after or before a cursor, else by
    number from the nearer end of the list."""
    order = order_of(rows)
    count = rows.count()
    num_pages = max(1, ceil(count / size))
    number = page_number(params.get("page"), num_pages)
    found: list | None = None
    if (after := parse_cursor(params.get("after"))) is not None and number > 1:
        found = _slice(rows.filter(order.after(*after)), order.forward(), 0, size)
    elif (before := parse_cursor(params.get("before"))) is not None and number < num_pages:
        found = _slice(rows.filter(order.before(*before)), order.backward(), 0, size)[::-1]
    if not found:
        start = (number - 1) * size
        end = min(start + size, count)
        if start <= count - end:
            found = _slice(rows, order.forward(), start, end)
        else:
            found = _slice(rows, order.backward(), count - end, count - start)[::-1]
    return ListPage(found, number, Counted(count, num_pages), order)
