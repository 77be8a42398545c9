"""CSV exports: rows written as they are read, and cells a spreadsheet would run as a formula
escaped."""

from __future__ import annotations

import csv
from collections.abc import Iterable, Iterator
from typing import Any

from django.db.models import QuerySet
from django.http import StreamingHttpResponse
from rest_framework_csv.renderers import CSVRenderer

# A cell starting with one of these is read as a formula by Excel, LibreOffice and Sheets (OWASP
# "CSV Injection"); a leading apostrophe makes it text. JSON answers keep the value as stored.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
ROWS_PER_READ = 500


def cell(value: Any) -> Any:
    """One CSV cell: a list joined with "; ", text that starts like a formula behind a "'"."""
    if isinstance(value, list | tuple):
        value = "; ".join("" if v is None else str(v) for v in value)
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


class _Line:
    """A file-like target for csv.writer that hands back each line instead of keeping it."""

    def write(self, line: str) -> str:
        return line


def csv_lines(header: list[str], rows: Iterable[dict]) -> Iterator[bytes]:
    """The header, then one CSV line per row, encoded as each row comes."""
    writer = csv.writer(_Line())
    yield writer.writerow(header).encode()
    for row in rows:
        yield writer.writerow([cell(row.get(name)) for name in header]).encode()


def stream_csv(queryset: QuerySet, serializer_class: type, context: dict) -> StreamingHttpResponse:
    """Every row of the queryset as CSV, read from the database in chunks while it is sent."""
    header = list(serializer_class(context=context).fields)
    rows = (
        serializer_class(obj, context=context).data
        for obj in queryset.iterator(chunk_size=ROWS_PER_READ)
    )
    return StreamingHttpResponse(csv_lines(header, rows), content_type="text/csv; charset=utf-8")


class SafeCSVRenderer(CSVRenderer):
    """djangorestframework-csv's table, with the cells escaped as `cell` does (small answers,
    such as a time series)."""

    def tablize(self, data, header=None, labels=None):
        for row in super().tablize(data, header=header, labels=labels):
            yield [cell(value) for value in row]
