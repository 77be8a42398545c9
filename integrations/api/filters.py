"""Filters of the team, integration and sync run lists, as query parameters."""

from agiletrack.api_filters import FilterSet, IdFilter
from integrations import selectors
from integrations.models import Integration, SyncRun, Team


class TeamFilter(FilterSet):
    class Meta:
        model = Team
        fields = ["slug"]


class IntegrationFilter(FilterSet):
    """`team` offers the user's teams; another team's id, like an unknown one, matches nothing."""

    team = IdFilter(field_name="team_id", label="Team id.")

    def __init__(self, *args, request=None, **kwargs):
        super().__init__(*args, request=request, **kwargs)
        if request is not None:
            self.filters["team"].offer(selectors.teams_for_user(request.user).order_by("name"))

    class Meta:
        model = Integration
        fields = ["team", "kind", "status", "is_active"]


class SyncRunFilter(FilterSet):
    """`integration` offers the user's integrations; one not theirs matches nothing."""

    integration = IdFilter(field_name="integration_id", label="Integration id.")

    def __init__(self, *args, request=None, **kwargs):
        super().__init__(*args, request=request, **kwargs)
        if request is not None:
            visible = selectors.integrations_for_user(request.user).order_by("name")
            self.filters["integration"].offer(visible)

    class Meta:
        model = SyncRun
        fields = ["integration", "status", "trigger"]
