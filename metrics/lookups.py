"""`__in_ids`: a column's value in a list of ids. On PostgreSQL the list is one array parameter
(`= ANY(%s)`), not one parameter per id as `__in` sends it: the same rows, without preparing,
quoting and parsing thousands of placeholders when a read follows a list of ids it fetched
first. Elsewhere it is `__in`."""

from __future__ import annotations

from typing import Any

from django.db.models import Field, ForeignObject
from django.db.models.lookups import In


@ForeignObject.register_lookup
@Field.register_lookup
class InIds(In):
    lookup_name = "in_ids"

    def get_prep_lookup(self) -> list[int]:
        return [int(value) for value in self.rhs]

    def as_postgresql(self, compiler: Any, connection: Any) -> tuple[str, list[Any]]:
        lhs, lhs_params = self.process_lhs(compiler, connection)
        return f"{lhs} = ANY(%s)", [*lhs_params, list(self.rhs)]
