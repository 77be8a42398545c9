"""`__in_ids`: an integer column (or a foreign key to one) in a list of ids. On PostgreSQL the
list is one array parameter (`= ANY(%s)`), not one placeholder per id as `__in` builds it: the
same rows, without Django preparing thousands of placeholders when a read follows a list of
ids it fetched first. Elsewhere, and for anything but a list of values, it is `__in`."""

from __future__ import annotations

from typing import Any

from django.db.models import ForeignObject, IntegerField
from django.db.models.lookups import In


@ForeignObject.register_lookup
@IntegerField.register_lookup
class InIds(In):
    lookup_name = "in_ids"

    def get_prep_lookup(self) -> Any:
        if not self.rhs_is_direct_value():
            return super().get_prep_lookup()
        return [int(value) for value in self.rhs if value is not None]

    def as_postgresql(self, compiler: Any, connection: Any) -> tuple[str, Any]:
        if not self.rhs_is_direct_value():
            return self.as_sql(compiler, connection)
        lhs, lhs_params = self.process_lhs(compiler, connection)
        return f"{lhs} = ANY(%s)", [*lhs_params, list(self.rhs)]
