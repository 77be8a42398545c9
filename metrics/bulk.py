"""Writing a computed column back to many rows at once.

Django's `bulk_update` builds one `CASE WHEN pk = ... THEN ...` expression per field and row,
which costs more Python time than the values took to compute (seconds for a few thousand pull
requests). `update_rows` sends the new values as one `VALUES` list joined to the table by primary
key instead: `WITH v (...) AS (VALUES ...) UPDATE ... FROM v WHERE pk = v.pk`, which PostgreSQL
and SQLite (3.33+) both run.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from django.db import connections, models

ROWS_PER_STATEMENT = 500


def update_rows(objs: Iterable[models.Model], fields: Sequence[str]) -> int:
    """Store `fields` of each object (all of one model, already saved); return the rows sent."""
    rows = list(objs)
    if not rows:
        return 0
    model = type(rows[0])
    manager = model._default_manager
    db = connections[manager.db]
    quote = db.ops.quote_name
    meta = model._meta
    if meta.pk is None:
        raise TypeError(f"{meta.label} has no primary key")
    concrete = {f.name: f for f in meta.concrete_fields}
    columns = [meta.pk, *(concrete[name] for name in fields)]
    if db.vendor == "postgresql":
        # VALUES has no column types of its own: cast each one (a NULL would otherwise be text).
        placeholders = [f"CAST(%s AS {f.db_type(db)})" for f in columns]
    else:
        placeholders = ["%s"] * len(columns)
    row_sql = "(" + ", ".join(placeholders) + ")"
    names = [quote(str(f.column)) for f in columns]
    table = quote(meta.db_table)
    for start in range(0, len(rows), ROWS_PER_STATEMENT):
        chunk = rows[start : start + ROWS_PER_STATEMENT]
        params: list[Any] = []
        for obj in chunk:
            for f in columns:
                value = getattr(obj, f.attname)
                params.append(None if value is None else f.get_db_prep_save(value, db))
        # Identifiers come from the model's metadata (quoted); every value is a parameter.
        assignments = ", ".join(f"{name} = v.{name}" for name in names[1:])
        sql = (
            f"WITH v ({', '.join(names)}) AS (VALUES {', '.join([row_sql] * len(chunk))}) "  # noqa: S608
            f"UPDATE {table} SET {assignments} FROM v WHERE {table}.{names[0]} = v.{names[0]}"
        )
        with db.cursor() as cursor:
            cursor.execute(sql, params)
    return len(rows)
