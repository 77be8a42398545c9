"""The API's filter building blocks: ids that are not yours match nothing, strict booleans.

A filter on an id never tells whether the id exists: another team's id and an id no row has
both match nothing (an empty list), so a filter cannot be used to probe for other teams' rows.
The browsable API's filter form offers only the user's own teams and integrations.
"""

import re
from collections.abc import Iterable

import django_filters as filters
from django import forms
from django.db import models
from django.db.models import Model, QuerySet
from drf_spectacular.utils import extend_schema_field

# Ids are 64-bit (BigAutoField). A bigger number names no row, and SQLite cannot even be asked
# about it (OverflowError): such ids are left out before any query.
ID_MIN, ID_MAX = -(2**63), 2**63 - 1


def storable_id(number: int) -> bool:
    return ID_MIN <= number <= ID_MAX


def choices_of(rows: Iterable[Model]) -> list[tuple[str, str]]:
    """The rows as choices of the browsable API's filter form (id, name); read only when the
    form is drawn (a callable of the widget), never for a JSON answer."""
    return [(str(row.pk), str(row)) for row in rows]


WHOLE_NUMBER = re.compile(r"[+-]?[0-9]+")


def whole_number(value) -> int:
    """A query parameter's whole number: digits with an optional sign, nothing else (not `39.0`,
    not `1_000`); a form error otherwise."""
    text = str(value).strip()
    if not WHOLE_NUMBER.fullmatch(text):
        raise forms.ValidationError("Enter whole numbers (ids).", code="invalid")
    return int(text)


class OneValueSelect(forms.Select):
    """A parameter that takes one value: sent more than once, its field gets every value and
    refuses them (a 400), instead of silently reading the last."""

    def value_from_datadict(self, data, files, name):
        values = data.getlist(name) if hasattr(data, "getlist") else [data.get(name)]
        return values if len(values) > 1 else super().value_from_datadict(data, files, name)


class IdField(forms.Field):
    """One whole-number id (empty: no filter)."""

    widget = OneValueSelect

    def to_python(self, value) -> int | None:
        if isinstance(value, list):
            raise forms.ValidationError("Give one id.", code="invalid")
        if value is None or str(value).strip() == "":
            return None
        return whole_number(value)


class IdFilter(filters.NumberFilter):
    """One whole-number id; any integer is valid input, and an id not yours matches nothing."""

    field_class = IdField

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", OneValueSelect)
        super().__init__(*args, **kwargs)
        # The schema says integer (drf-spectacular cannot tell from a lookup across a relation).
        extend_schema_field({"type": "integer", "description": str(self.label)})(self)

    def offer(self, rows: Iterable[Model]) -> None:
        """Offer these rows (the user's own) in the browsable API's form."""
        choices = lambda: [("", "---------"), *choices_of(rows)]  # noqa: E731
        self.extra["widget"] = OneValueSelect(choices=choices)  # type: ignore[arg-type]
        self.__dict__.pop("_field", None)

    def filter(self, qs: QuerySet, value):
        if value is not None and not storable_id(value):
            return qs.none()
        return super().filter(qs, value)


class IdsField(forms.Field):
    """Several whole-number ids, from a repeated query parameter."""

    widget = forms.SelectMultiple

    def to_python(self, value) -> list[int]:
        if value in (None, "", [], ()):
            return []
        values = value if isinstance(value, list | tuple) else [value]
        numbers = []
        for item in values:
            if item in (None, ""):
                continue
            numbers.append(whole_number(item))
        return numbers


class IdsFilter(filters.Filter):
    """Ids, repeatable (`?integration=1&integration=2`): rows of any of them; ids that are not
    yours match nothing."""

    field_class = IdsField

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        extend_schema_field(
            {"type": "array", "items": {"type": "integer"}, "description": str(self.label)}
        )(self)

    def offer(self, rows: Iterable[Model]) -> None:
        """Offer these rows (the user's own) in the browsable API's form."""
        self.extra["widget"] = forms.SelectMultiple(
            choices=lambda: choices_of(rows)  # type: ignore[arg-type]
        )
        self.__dict__.pop("_field", None)

    def filter(self, qs: QuerySet, value):
        if not value:
            return qs
        storable = [number for number in value if storable_id(number)]
        return qs.filter(**{f"{self.field_name}__in": storable})


class StrictBooleanField(forms.Field):
    """`true` or `false` (empty: no filter); anything else is a 400, not a silent no-filter."""

    widget = forms.Select(choices=[("", "---------"), ("true", "Yes"), ("false", "No")])

    def to_python(self, value) -> bool | None:
        text = str(value).strip().lower() if value is not None else ""
        if text == "":
            return None
        if text in ("true", "false"):
            return text == "true"
        raise forms.ValidationError("Enter true or false.", code="invalid")


class BooleanFilter(filters.BooleanFilter):
    field_class = StrictBooleanField


class FilterSet(filters.FilterSet):
    """The API's filter sets: strict booleans for boolean fields."""

    FILTER_DEFAULTS = {
        **filters.FilterSet.FILTER_DEFAULTS,
        models.BooleanField: {"filter_class": BooleanFilter},
    }
