"""Filters of the activity lists: team, integration, dates and state, as query parameters."""

from datetime import UTC

import django_filters as filters
from django import forms
from django_filters.fields import IsoDateTimeField

from agiletrack.api_filters import FilterSet, IdFilter, IdsFilter
from integrations.selectors import integrations_for_user, teams_for_user
from metrics.models import Deployment, PullRequest, Sprint, WorkItem


class ActivityFilter(FilterSet):
    """Every list filters by team and integration (ids; repeat `integration` for several)."""

    team = IdFilter(field_name="integration__team_id", label="Team id.")
    integration = IdsFilter(field_name="integration_id", label="Integration id (repeatable).")

    def __init__(self, *args, request=None, **kwargs):
        super().__init__(*args, request=request, **kwargs)
        if request is not None:
            teams = teams_for_user(request.user).order_by("name")
            self.filters["team"].offer(teams)
            self.filters["integration"].offer(integrations_for_user(request.user).order_by("name"))


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
