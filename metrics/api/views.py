"""The JSON API for activity and metrics: what the pages show, as JSON or CSV.

Lists are paginated (`count`, `next`, `previous`, `results`) in a stable order; `?format=csv`
returns every matching row as CSV instead. A user sees only their teams' data.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.db.models import QuerySet
from django.http import Http404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, extend_schema
from rest_framework import serializers, viewsets
from rest_framework.filters import OrderingFilter
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.views import APIView

from agiletrack.api import LOOKUP_VALUE_REGEX
from agiletrack.api_filters import storable_id
from integrations.models import Team
from integrations.selectors import integrations_for_user, teams_for_user
from metrics import selectors
from metrics.api import filters
from metrics.api.examples import METRICS_EXAMPLE, TIMESERIES_EXAMPLE
from metrics.api.exports import SafeCSVRenderer, stream_csv
from metrics.api.serializers import (
    DeploymentSerializer,
    MetricsSerializer,
    PullRequestSerializer,
    SprintSerializer,
    TimeseriesSerializer,
    WorkItemSerializer,
)
from metrics.models import Deployment, PullRequest, Sprint, WorkItem
from metrics.scope import MAX_WINDOW_DAYS, MetricScope, ScopeError, metric_scope, teams_scope


def wants_csv(request: Request) -> bool:
    return getattr(request, "accepted_renderer", None) is not None and (
        request.accepted_renderer.format == "csv"
    )


class ActivityViewSet(viewsets.ReadOnlyModelViewSet):
    """Read-only activity of the user's teams, filterable, ordered, paginated or CSV."""

    renderer_classes = [*api_settings.DEFAULT_RENDERER_CLASSES, SafeCSVRenderer]
    lookup_value_regex = LOOKUP_VALUE_REGEX
    filter_backends = [*api_settings.DEFAULT_FILTER_BACKENDS, OrderingFilter]
    model: Any = PullRequest
    default_ordering: tuple[str, ...] = ("-created_at",)

    def get_queryset(self) -> QuerySet:
        visible = integrations_for_user(self.request.user).values("pk")
        rows = self.model.objects.filter(integration__in=visible)
        # A stable order: the asked-for (or default) order, then the id.
        return rows.order_by(*self.default_ordering, "-pk")

    def filter_queryset(self, queryset: QuerySet) -> QuerySet:
        queryset = super().filter_queryset(queryset)
        ordering = list(queryset.query.order_by)
        if "pk" not in ordering and "-pk" not in ordering and "id" not in ordering:
            queryset = queryset.order_by(*ordering, "-pk")
        return queryset

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Any:
        if not wants_csv(request):
            return super().list(request, *args, **kwargs)
        # An export has every matching row, streamed: filters are checked (a 400) before it starts.
        if self.paginator is not None:
            self.paginator.get_page_size(request)  # a bad page_size is a 400 here too
        queryset = self.filter_queryset(self.get_queryset())
        return stream_csv(queryset, self.get_serializer_class(), self.get_serializer_context())


class PullRequestViewSet(ActivityViewSet):
    """Pull requests with their stage times in minutes (docs/metrics.md)."""

    model = PullRequest
    serializer_class = PullRequestSerializer
    filterset_class = filters.PullRequestFilter
    ordering_fields = ["created_at", "merged_at", "number", "cycle_time_minutes", "id"]
    default_ordering = ("-created_at",)


class DeploymentViewSet(ActivityViewSet):
    """Deployments (GitHub deployments, releases or workflow runs, per integration settings)."""

    model = Deployment
    serializer_class = DeploymentSerializer
    filterset_class = filters.DeploymentFilter
    ordering_fields = ["created_at", "finished_at", "id"]
    default_ordering = ("-created_at",)


class WorkItemViewSet(ActivityViewSet):
    """Jira issues and Trello cards with their lead and cycle times in minutes."""

    model = WorkItem
    serializer_class = WorkItemSerializer
    filterset_class = filters.WorkItemFilter
    ordering_fields = ["created_at", "resolved_at", "done_at", "cycle_time_minutes", "id"]
    default_ordering = ("-created_at",)

    def get_queryset(self) -> QuerySet:
        return super().get_queryset().prefetch_related("sprints")


class SprintViewSet(ActivityViewSet):
    """Sprints of Jira boards with committed, added, removed and completed points."""

    model = Sprint
    serializer_class = SprintSerializer
    filterset_class = filters.SprintFilter
    ordering_fields = ["start_at", "end_at", "id"]
    default_ordering = ("-start_at",)


# --- Metrics -----------------------------------------------------------------------------------


class ScopeQuerySerializer(serializers.Serializer):
    team = serializers.IntegerField(required=False, help_text="Team id.")
    integration = serializers.ListField(
        child=serializers.IntegerField(),
        required=False,
        help_text="Integration ids (repeatable); all of one team.",
    )
    since = serializers.DateField(required=False, help_text="First day, in the team's zone.")
    until = serializers.DateField(required=False, help_text="Last day, inclusive.")


SCOPE_PARAMETERS = [
    OpenApiParameter(
        "team",
        OpenApiTypes.INT,
        description="Team id. Without `team` and `integration`: every team of yours together "
        "(their integrations, in their time zone when they share one, else UTC). A team not "
        "yours answers 404, as an unknown one does.",
    ),
    OpenApiParameter(
        "integration",
        OpenApiTypes.INT,
        many=True,
        explode=True,
        description="Integration id; repeat for several. They must all be of one team (and of "
        "`team` when given), else 400; an integration not yours answers 404, as an unknown "
        "one does.",
    ),
    OpenApiParameter(
        "since",
        OpenApiTypes.DATE,
        description="First local day (default: 30 days before `until`). Must not be after "
        f"`until`, and the window spans at most {MAX_WINDOW_DAYS} days; else 400.",
    ),
    OpenApiParameter(
        "until", OpenApiTypes.DATE, description="Last local day, inclusive (default: today)."
    ),
]


def _chosen_team(request: Request, data: dict) -> Team | None:
    """The team asked for by `team` and `integration` (None: neither was given); 404 for ids
    that are not the user's, whether they exist or not."""
    chosen = data.get("integration") or []
    team: Team | None = None
    if "team" in data:
        pk = data["team"]
        team = teams_for_user(request.user).filter(pk=pk).first() if storable_id(pk) else None
        if team is None:
            raise Http404("No such team.")
    if chosen:
        storable = [pk for pk in chosen if storable_id(pk)]
        found = list(integrations_for_user(request.user).filter(pk__in=storable))
        if len(found) != len(set(chosen)):
            raise Http404("No such integration.")
        teams = {integration.team_id for integration in found}
        if len(teams) > 1 or (team is not None and teams != {team.pk}):
            raise serializers.ValidationError(
                {"integration": ["The integrations must all belong to the one team asked for."]}
            )
        team = team or found[0].team
    return team


def scope_for(request: Request) -> MetricScope:
    """The metric scope the query asks for: a team, some of its integrations, or (neither
    given) every team of the user's; 404 for ids not the user's, 400 for a bad window."""
    query = ScopeQuerySerializer(
        data={
            **{k: v for k, v in request.query_params.items() if k in ("team", "since", "until")},
            "integration": request.query_params.getlist("integration"),
        }
    )
    query.is_valid(raise_exception=True)
    data = query.validated_data
    team = _chosen_team(request, data)
    since: date | None = data.get("since")
    until: date | None = data.get("until")
    try:
        if team is None:
            return teams_scope(list(teams_for_user(request.user)), since=since, until=until)
        chosen = data.get("integration") or None
        return metric_scope(team, since=since, until=until, integrations=chosen)
    except ScopeError as exc:
        raise serializers.ValidationError({"since": [str(exc)]}) from None


class MetricsView(APIView):
    """Every metric family (DORA, pull requests, work items, sprints) for a window."""

    @extend_schema(
        parameters=SCOPE_PARAMETERS,
        responses={200: MetricsSerializer},
        examples=[
            OpenApiExample("A week of the demo team", value=METRICS_EXAMPLE, response_only=True)
        ],
    )
    def get(self, request: Request) -> Response:
        report = selectors.team_metrics(scope_for(request))
        return Response(MetricsSerializer(report).data)


class TimeseriesView(APIView):
    """One metric per local day, week or month of the window (empty periods included)."""

    renderer_classes = [*api_settings.DEFAULT_RENDERER_CLASSES, SafeCSVRenderer]

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "metric",
                OpenApiTypes.STR,
                required=True,
                enum=sorted(selectors.TIMESERIES),
                description="Which metric.",
            ),
            OpenApiParameter(
                "interval",
                OpenApiTypes.STR,
                enum=list(selectors.INTERVALS),
                description="Default week.",
            ),
            *SCOPE_PARAMETERS,
        ],
        responses={200: TimeseriesSerializer},
        examples=[
            OpenApiExample(
                "Pull requests merged per day", value=TIMESERIES_EXAMPLE, response_only=True
            )
        ],
    )
    def get(self, request: Request) -> Response:
        scope = scope_for(request)
        metric = request.query_params.get("metric", "")
        interval = request.query_params.get("interval", "week")
        if metric not in selectors.TIMESERIES:
            raise serializers.ValidationError(
                {"metric": [f"Choose one of: {', '.join(sorted(selectors.TIMESERIES))}."]}
            )
        if interval not in selectors.INTERVALS:
            raise serializers.ValidationError(
                {"interval": [f"Choose one of: {', '.join(selectors.INTERVALS)}."]}
            )
        points = []
        for point in selectors.timeseries(scope, metric, interval):
            stages = {k: point[k] for k in selectors.STAGES if k in point} or None
            points.append(
                {
                    "period": point["period"],
                    "value": point.get("value", stages["cycle"] if stages else None),
                    "count": point.get("count"),
                    "stages": stages,
                    "partial": point["partial"],
                }
            )
        body = TimeseriesSerializer(
            {
                "metric": metric,
                "interval": interval,
                "window": scope.as_window(),
                "points": points,
            }
        ).data
        if wants_csv(request):
            return Response(
                [
                    {
                        "period": p["period"],
                        "value": p["value"],
                        "count": p["count"],
                        "partial": p["partial"],
                    }
                    for p in body["points"]
                ]
            )
        return Response(body)
