"""Filters of the activity lists: team, integration, dates and state, as query parameters."""

from datetime import UTC

import django_filters as filters
from django import forms
from django_filters.fields import IsoDateTimeField, ModelMultipleChoiceField
from drf_spectacular.utils import extend_schema_field

from integrations.models import Integration
from integrations.selectors import integrations_for_user
from metrics.models import Deployment, PullRequest, Sprint, WorkItem

# Ids are 64-bit (BigAutoField). A bigger number names no row, and SQLite cannot even be asked
# about it (OverflowError): such ids are caught before any query.
ID_MIN, ID_MAX = -(2**63), 2**63 - 1


def storable_id(number: int) -> bool:
    return ID_MIN <= number <= ID_MAX


class IdFilter(filters.NumberFilter):
    """A whole-number id (a plain NumberFilter takes 1.5 for 1 and crashes on 1e30)."""

    field_class = forms.IntegerField

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("min_value", ID_MIN)
        kwargs.setdefault("max_value", ID_MAX)
        super().__init__(*args, **kwargs)
        # The schema says integer (drf-spectacular cannot tell from a lookup across a relation).
        extend_schema_field({"type": "integer", "description": str(self.label)})(self)


class IdsField(ModelMultipleChoiceField):
    """Ids of rows to choose; one out of the 64-bit range is as unknown as any missing id."""

    def _check_values(self, value):
        for pk in value:
            try:
                number = int(str(pk))
            except ValueError:
                continue  # not a number: Django's own message
            if not storable_id(number):
                raise forms.ValidationError(
                    self.error_messages["invalid_choice"],
                    code="invalid_choice",
                    params={"value": pk},
                )
        return super()._check_values(value)


class IdsFilter(filters.ModelMultipleChoiceFilter):
    field_class = IdsField


class ActivityFilter(filters.FilterSet):
    """Every list filters by team and integration (ids; repeat `integration` for several)."""

    team = IdFilter(field_name="integration__team_id", label="Team id.")
    integration = IdsFilter(
        queryset=Integration.objects.all(), label="Integration id (repeatable)."
    )

    def __init__(self, *args, request=None, **kwargs):
        super().__init__(*args, request=request, **kwargs)
        if request is not None:
            self.filters["integration"].queryset = integrations_for_user(request.user)


class UtcDateTimeField(IsoDateTimeField):
    """An ISO 8601 date-time that also exists in UTC, as the database is asked in UTC
    (0001-01-01T00:00+01:00 does not: it is an invalid date-time, not a server error)."""

    def to_python(self, value):
        try:
            parsed = super().to_python(value)
            return parsed.astimezone(UTC) if parsed is not None and parsed.tzinfo else parsed
        except OverflowError:
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid") from None


class DateTimeFilter(filters.IsoDateTimeFilter):
    field_class = UtcDateTimeField


def date_range(name: str, what: str) -> tuple[DateTimeFilter, DateTimeFilter]:
    return (
        DateTimeFilter(field_name=name, lookup_expr="gte", label=f"{what} at or after (ISO 8601)."),
        DateTimeFilter(field_name=name, lookup_expr="lt", label=f"{what} before (ISO 8601)."),
    )


class PullRequestFilter(ActivityFilter):
    created_after, created_before = date_range("created_at", "Created")
    merged_after, merged_before = date_range("merged_at", "Merged")
    state = filters.ChoiceFilter(choices=PullRequest.State.choices)
    author = filters.CharFilter()

    class Meta:
        model = PullRequest
        fields = ["repository", "state", "author", "author_is_bot", "is_draft"]


class DeploymentFilter(ActivityFilter):
    created_after, created_before = date_range("created_at", "Created")

    class Meta:
        model = Deployment
        fields = ["repository", "environment", "status", "source"]


class WorkItemFilter(ActivityFilter):
    created_after, created_before = date_range("created_at", "Created")
    resolved_after, resolved_before = date_range("resolved_at", "Resolved")
    done_after, done_before = date_range("done_at", "Last moved to done")
    status_category = filters.ChoiceFilter(choices=WorkItem.Category.choices)

    class Meta:
        model = WorkItem
        fields = ["kind", "status", "status_category", "container"]


class SprintFilter(ActivityFilter):
    started_after, started_before = date_range("start_at", "Started")

    class Meta:
        model = Sprint
        fields = ["state", "board_id"]


__all__ = [
    "DeploymentFilter",
    "PullRequestFilter",
    "SprintFilter",
    "WorkItemFilter",
]
