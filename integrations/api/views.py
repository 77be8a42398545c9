"""API views for teams, integrations and sync runs; what a user sees comes from the selectors."""

from dataclasses import asdict

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.permissions import IsAdminUser, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response

from agiletrack.api import LOOKUP_VALUE_REGEX
from integrations import preflight, scopes, selectors, services
from integrations.api.filters import IntegrationFilter, SyncRunFilter, TeamFilter
from integrations.api.permissions import IsStaffOrReadOnly
from integrations.api.serializers import (
    ConnectionCheckSerializer,
    DryRunParameterSerializer,
    DryRunSerializer,
    IntegrationSerializer,
    ScopePageSerializer,
    ScopeRequestSerializer,
    SyncQueuedSerializer,
    SyncRunSerializer,
    SyncThrottledSerializer,
    TeamSerializer,
)


class TeamViewSet(viewsets.ReadOnlyModelViewSet):
    """Teams you belong to (teams are managed in the admin)."""

    lookup_value_regex = LOOKUP_VALUE_REGEX
    serializer_class = TeamSerializer
    filterset_class = TeamFilter

    def get_queryset(self):
        return selectors.teams_for_user(self.request.user).prefetch_related("members")


class IntegrationViewSet(viewsets.ModelViewSet):
    """GitHub, Jira and Trello integrations of your teams. Writes need staff."""

    lookup_value_regex = LOOKUP_VALUE_REGEX
    serializer_class = IntegrationSerializer
    permission_classes = [IsAuthenticated, IsStaffOrReadOnly]
    filterset_class = IntegrationFilter

    def get_queryset(self):
        return selectors.integrations_for_user(self.request.user).order_by("id")

    def get_permissions(self):
        if self.action == "sync":
            # Any member may ask for a fresh sync of their team's integration.
            return [IsAuthenticated()]
        if self.action in ("test", "scopes"):
            return [IsAuthenticated(), IsAdminUser()]
        return super().get_permissions()

    @extend_schema(
        parameters=[DryRunParameterSerializer],
        responses={201: IntegrationSerializer, 200: DryRunSerializer},
        description=(
            "Create an integration. With `?dry_run=true` nothing is stored: the settings and "
            "credentials are validated, then the connection check a sync starts with runs "
            "(credentials accepted, each repository or board visible), bounded by "
            "AGILETRACK_TEST_CONNECTION_SECONDS; the answer is 200 with what it found. "
            "`dry_run` takes true or false (also 1 or 0); anything else is a 400."
        ),
    )
    def create(self, request: Request, *args, **kwargs) -> Response:
        """Create an integration, or with ?dry_run=true test it without storing anything."""
        flags = DryRunParameterSerializer(data=request.query_params)
        flags.is_valid(raise_exception=True)
        if not flags.validated_data["dry_run"]:
            return super().create(request, *args, **kwargs)
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        check = preflight.check_before_save(data["kind"], data["config"], data["credentials"])
        return Response({"dry_run": True, **check.as_dict()}, status=status.HTTP_200_OK)

    @extend_schema(
        request=None,
        responses={
            202: SyncQueuedSerializer,
            200: SyncQueuedSerializer,
            429: SyncThrottledSerializer,
        },
        description=(
            "Queue a sync now (202). When a sync of the integration is already queued or "
            "running, nothing is queued and the answer (200) names that run. When a sync was "
            "asked for less than AGILETRACK_MANUAL_SYNC_MIN_INTERVAL_SECONDS ago, the answer "
            "is 429 with `Retry-After` and names that run."
        ),
    )
    @action(detail=True, methods=["post"])
    def sync(self, request: Request, pk: str | None = None) -> Response:
        """Queue a sync now; poll the returned run for its progress."""
        integration = self.get_object()
        asked = services.request_sync(integration)
        message = services.asked_sync_message(integration, asked)
        if asked.outcome == "recent":
            body = {"code": "throttled", "detail": message, "sync_run": asked.run.pk}
            headers = {"Retry-After": str(asked.retry_after)}
            return Response(body, status=status.HTTP_429_TOO_MANY_REQUESTS, headers=headers)
        answer = {"sync_run": asked.run.pk, "queued": asked.queued, "detail": message}
        code = status.HTTP_202_ACCEPTED if asked.queued else status.HTTP_200_OK
        return Response(answer, status=code)

    @extend_schema(request=None, responses={200: ConnectionCheckSerializer})
    @action(detail=True, methods=["post"])
    def test(self, request: Request, pk: str | None = None) -> Response:
        """Check the credentials and that the configured repositories or boards are reachable."""
        check = services.test_connection(self.get_object())
        return Response(asdict(check))

    @extend_schema(request=ScopeRequestSerializer, responses={200: ScopePageSerializer})
    @action(detail=False, methods=["post"])
    def scopes(self, request: Request) -> Response:
        """What credentials can read, to choose from (the form's pickers): a provider's
        repositories or boards matching `query`, from `cursor`. Credentials left empty come
        from `integration` for its own API address only; none is ever answered back."""
        ask = ScopeRequestSerializer(data=request.data)
        ask.is_valid(raise_exception=True)
        data = ask.validated_data
        integration = None
        if data["integration"] is not None:
            integration = get_object_or_404(self.get_queryset(), pk=data["integration"])
        try:
            page = scopes.list_scopes_asked(data, integration)
        except scopes.ScopeListError as exc:
            raise ValidationError({"non_field_errors": [exc.message]}) from None
        return Response(ScopePageSerializer(page).data)


class SyncRunViewSet(viewsets.ReadOnlyModelViewSet):
    """Every sync run of your teams' integrations, newest first."""

    lookup_value_regex = LOOKUP_VALUE_REGEX
    serializer_class = SyncRunSerializer
    filterset_class = SyncRunFilter

    def get_queryset(self):
        return selectors.sync_runs_for_user(self.request.user).order_by("-queued_at", "-id")
