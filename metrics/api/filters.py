"""Filters of the activity lists: team, integration, dates and state, as query parameters."""

import django_filters as filters

from integrations.models import Integration, Team
from metrics.models import Deployment, PullRequest, Sprint, WorkItem


class ActivityFilter(filters.FilterSet):
    """Every list filters by team and integration (ids; repeat `integration` for several)."""

    team = filters.NumberFilter(field_name="integration__team_id", label="Team id.")
    integration = filters.ModelMultipleChoiceFilter(
        queryset=Integration.objects.all(), label="Integration id (repeatable)."
    )

    def __init__(self, *args, request=None, **kwargs):
        super().__init__(*args, request=request, **kwargs)
        if request is not None:
            from integrations.selectors import integrations_for_user

            self.filters["integration"].queryset = integrations_for_user(request.user)


def date_range(name: str, what: str) -> tuple[filters.IsoDateTimeFilter, filters.IsoDateTimeFilter]:
    return (
        filters.IsoDateTimeFilter(
            field_name=name, lookup_expr="gte", label=f"{what} at or after (ISO 8601)."
        ),
        filters.IsoDateTimeFilter(
            field_name=name, lookup_expr="lt", label=f"{what} before (ISO 8601)."
        ),
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
    "Team",
    "WorkItemFilter",
]
