"""The API of working agreements and alerts. Team-scoped: a user sees their teams' rows (another
team's id answers 404); members read, staff of the team write agreements. Members may run an
evaluation, and acknowledge, snooze and resolve their team's alerts (operational actions, not
configuration)."""

from __future__ import annotations

from django.db.models import Prefetch
from django.utils import timezone
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import exceptions, status, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response

from agiletrack.api import LOOKUP_VALUE_REGEX
from agiletrack.api_filters import FilterSet, IdFilter
from agreements import alerts, evaluation, rules, services
from agreements.models import Alert, Delivery, WorkingAgreement
from agreements.serializers import (
    MAX_BACKTEST_DAYS,
    AlertSerializer,
    BacktestQuerySerializer,
    BacktestSerializer,
    EvaluationSerializer,
    MetricSpecSerializer,
    PeriodSerializer,
    SnoozeSerializer,
    WorkingAgreementSerializer,
    period_data,
)
from integrations.api.permissions import IsStaffOrReadOnly
from integrations.selectors import rows_of_user_teams, teams_for_user
from metrics.scope import ScopeError


class Conflict(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_code = "conflict"
    default_detail = "The alert's state does not allow this."


class AgreementFilter(FilterSet):
    """`team` offers the user's teams; another team's id, like an unknown one, matches nothing."""

    team = IdFilter(field_name="team_id", label="Team id.")

    def __init__(self, *args, request=None, **kwargs):
        super().__init__(*args, request=request, **kwargs)
        if request is not None:
            self.filters["team"].offer(teams_for_user(request.user).order_by("name"))

    class Meta:
        model = WorkingAgreement
        fields = ["team", "metric", "paused"]


class AlertFilter(FilterSet):
    team = IdFilter(field_name="agreement__team_id", label="Team id.")
    agreement = IdFilter(field_name="agreement_id", label="Working agreement id.")

    def __init__(self, *args, request=None, **kwargs):
        super().__init__(*args, request=request, **kwargs)
        if request is not None:
            self.filters["team"].offer(teams_for_user(request.user).order_by("name"))

    class Meta:
        model = Alert
        fields = ["team", "agreement", "status"]


class WorkingAgreementViewSet(viewsets.ModelViewSet):
    """Your teams' working agreements: a rule on each pull request or work item, or on a team
    metric over a window, and the channels its alerts go to. Writes need staff."""

    lookup_value_regex = LOOKUP_VALUE_REGEX
    serializer_class = WorkingAgreementSerializer
    permission_classes = [IsAuthenticated, IsStaffOrReadOnly]
    filterset_class = AgreementFilter

    def get_queryset(self):
        rows = rows_of_user_teams(WorkingAgreement.objects.all(), self.request.user, "team")
        return rows.select_related("team").prefetch_related("channels", "alerts").order_by("pk")

    def get_permissions(self):
        if self.action in ("evaluate", "backtest", "metrics"):
            return [IsAuthenticated()]
        return super().get_permissions()

    def get_serializer(self, *args, **kwargs):
        kwargs.setdefault("teams", teams_for_user(self.request.user))
        return super().get_serializer(*args, **kwargs)

    def _save(self, serializer, agreement: WorkingAgreement | None) -> WorkingAgreement:
        fields = dict(serializer.validated_data)
        channels = fields.pop("channels", None)
        try:
            return services.save_agreement(agreement, fields, channels, self.request.user)
        except services.ChannelsInvalid as exc:
            raise exceptions.ValidationError({"channels": exc.errors}) from None

    def perform_create(self, serializer) -> None:
        serializer.instance = self._save(serializer, None)

    def perform_update(self, serializer) -> None:
        serializer.instance = self._save(serializer, serializer.instance)

    @extend_schema(
        description=(
            "Create an agreement: `metric` (a name from metrics/), `operator` (<= or >=), "
            "`threshold` (a number, in the metric's unit), `window_days` (window rules) and "
            "`channels` ({kind, url | address, secret}). A channel URL must pass the outbound "
            "guard (no private addresses); bad input is a 400 with messages per field and "
            "stores nothing."
        )
    )
    def create(self, request: Request, *args, **kwargs) -> Response:
        return super().create(request, *args, **kwargs)

    @extend_schema(responses={200: MetricSpecSerializer(many=True)}, filters=False)
    @action(detail=False, methods=["get"], pagination_class=None, filterset_class=None)
    def metrics(self, request: Request) -> Response:
        """The metrics an agreement can use, with their unit and kind (item or window)."""
        specs = [MetricSpecSerializer(spec).data for spec in rules.METRICS.values()]
        return Response(specs)

    @extend_schema(parameters=[BacktestQuerySerializer], responses={200: BacktestSerializer})
    @action(detail=True, methods=["get"], filterset_class=None)
    def backtest(self, request: Request, pk: str | None = None) -> Response:
        """How often the rule would have been broken, per week (Monday to Monday in the team's
        time zone) of [since, until] (default: the last 90 days): each week is evaluated as
        live evaluation would have at its end."""
        agreement = self.get_object()
        query = BacktestQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        until = query.validated_data.get("until") or evaluation.default_range(agreement)[1]
        since = query.validated_data.get("since") or evaluation.days_before(until)
        if since > until or (until - since).days + 1 > MAX_BACKTEST_DAYS:
            raise exceptions.ValidationError(
                {"since": f"Choose a range of 1 to {MAX_BACKTEST_DAYS} days."}
            )
        try:
            periods = evaluation.backtest(agreement, since, until)
        except ScopeError as exc:
            raise exceptions.ValidationError({"since": str(exc)}) from None
        answer = {
            "since": since,
            "until": until,
            "time_zone": agreement.team.time_zone or "UTC",
            "breached_periods": sum(1 for period in periods if period.breached),
            "periods": [period_data(period) for period in periods],
        }
        return Response(BacktestSerializer(answer).data)

    @extend_schema(request=None, responses={200: EvaluationSerializer})
    @action(detail=True, methods=["post"], filterset_class=None)
    def evaluate(self, request: Request, pk: str | None = None) -> Response:
        """Evaluate the agreement now (the week ending now) and record the result: a breach
        opens an alert (or reminds when due), a kept rule resolves it."""
        agreement = self.get_object()
        result, alert = services.evaluate_agreement(agreement)
        found = None
        if alert is not None:
            found = AlertSerializer(alerts_with_deliveries().get(pk=alert.pk)).data
        return Response({"result": PeriodSerializer(period_data(result)).data, "alert": found})


def alerts_with_deliveries():
    deliveries = Delivery.objects.select_related("channel").order_by("created_at", "pk")
    return Alert.objects.select_related(
        "agreement", "acknowledged_by", "resolved_by"
    ).prefetch_related(Prefetch("deliveries", queryset=deliveries))


class AlertViewSet(viewsets.ReadOnlyModelViewSet):
    """Alerts of your teams' agreements, newest first, each with its deliveries (channel kind,
    status, attempts, last error). Members may acknowledge, snooze and resolve them."""

    lookup_value_regex = LOOKUP_VALUE_REGEX
    serializer_class = AlertSerializer
    filterset_class = AlertFilter

    def get_queryset(self):
        return rows_of_user_teams(
            alerts_with_deliveries(), self.request.user, "agreement__team"
        ).order_by("-opened_at", "-pk")

    def _act(self, change) -> Response:
        try:
            alert = change(self.get_object())
        except alerts.AlertStateError as exc:
            raise Conflict(str(exc)) from None
        return Response(AlertSerializer(alerts_with_deliveries().get(pk=alert.pk)).data)

    @extend_schema(
        request=None,
        responses={200: AlertSerializer, 409: OpenApiResponse(description="Already resolved.")},
    )
    @action(detail=True, methods=["post"], filterset_class=None)
    def acknowledge(self, request: Request, pk: str | None = None) -> Response:
        """Someone is on it: no more reminders."""
        return self._act(lambda alert: alerts.acknowledge(alert, request.user, timezone.now()))

    @extend_schema(
        request=SnoozeSerializer,
        responses={200: AlertSerializer, 409: OpenApiResponse(description="Already resolved.")},
    )
    @action(detail=True, methods=["post"], filterset_class=None)
    def snooze(self, request: Request, pk: str | None = None) -> Response:
        """No reminders until `until` (a moment in the future)."""
        given = SnoozeSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        until = given.validated_data["until"]
        if until <= timezone.now():
            raise exceptions.ValidationError({"until": "Choose a moment in the future."})
        return self._act(lambda alert: alerts.snooze(alert, until, request.user))

    @extend_schema(
        request=None,
        responses={200: AlertSerializer, 409: OpenApiResponse(description="Already resolved.")},
    )
    @action(detail=True, methods=["post"], filterset_class=None)
    def resolve(self, request: Request, pk: str | None = None) -> Response:
        """Resolve by hand; if the rule is still broken, the next evaluation opens a new alert."""
        return self._act(lambda alert: alerts.resolve(alert, request.user, timezone.now()))
