"""Reads for teams and integrations, scoped to what a user may see."""

from collections.abc import Iterable

from django.contrib.auth.models import AnonymousUser, User
from django.db.models import Avg, Count, DurationField, ExpressionWrapper, F, Q, QuerySet

from integrations.models import Integration, SyncRun, Team
from metrics.scope import MetricScope, window_filter


def teams_for_user(user: User | AnonymousUser) -> QuerySet[Team]:
    """Teams the user belongs to; every team for a superuser; none for anonymous users."""
    if not user.is_authenticated:
        return Team.objects.none()
    if user.is_superuser:
        return Team.objects.all()
    return Team.objects.filter(members=user)


def with_sync_stats(integrations: QuerySet[Integration]) -> QuerySet[Integration]:
    """Annotate succeeded and failed run counts and the mean duration of finished runs."""
    duration = ExpressionWrapper(
        F("sync_runs__finished_at") - F("sync_runs__started_at"), output_field=DurationField()
    )
    return integrations.annotate(
        succeeded_runs=Count("sync_runs", filter=Q(sync_runs__status="succeeded")),
        failed_runs=Count("sync_runs", filter=Q(sync_runs__status__in=["failed", "partial"])),
        mean_run_duration=Avg(duration, filter=Q(sync_runs__finished_at__isnull=False)),
    )


def integrations_for_user(user: User | AnonymousUser) -> QuerySet[Integration]:
    """Integrations of the teams the user may see, with their sync statistics."""
    visible = Integration.objects.filter(team__in=teams_for_user(user)).select_related("team")
    return with_sync_stats(visible)


def sync_runs_for_user(user: User | AnonymousUser) -> QuerySet[SyncRun]:
    """Sync runs of the integrations the user may see, newest first."""
    return SyncRun.objects.filter(integration__in=integrations_for_user(user)).select_related(
        "integration"
    )


def list_team_integrations(team: Team) -> list[Integration]:
    """The team's integrations by name (then id), as the team pages list them."""
    return list(team.integrations.order_by("name", "pk"))


def sync_in_progress(integrations: Iterable[Integration]) -> bool:
    """Whether any of the integrations has a sync run queued or running."""
    return SyncRun.objects.filter(
        integration__in=integrations,
        status__in=[SyncRun.Status.QUEUED, SyncRun.Status.RUNNING],
    ).exists()


def team_integrations(team: Team) -> QuerySet[Integration]:
    """The team's integrations (for looking one up by id within the team)."""
    return Integration.objects.filter(team=team)


def find_team_integration(team: Team, pk: int) -> Integration | None:
    """One of the team's integrations by id, or None."""
    return Integration.objects.filter(team=team, pk=pk).first()


def integration_runs(integration: Integration) -> QuerySet[SyncRun]:
    """One integration's sync runs (for looking one up by id)."""
    return SyncRun.objects.filter(integration=integration)


def list_integration_statuses(team: Team, scope: MetricScope, recent: int) -> list[dict]:
    """The team's integrations in the scope, by name, with their sync statistics, their
    `recent` newest runs queued in the window and the run queued or running now."""
    rows = with_sync_stats(
        Integration.objects.filter(team=team, pk__in=scope.integration_ids)
    ).order_by("name", "pk")
    statuses = []
    for integration in rows:
        in_window = integration.sync_runs.filter(window_filter("queued_at", scope))
        statuses.append(
            {
                "integration": integration,
                "runs": list(in_window.order_by("-queued_at", "-pk")[:recent]),
                "active_run": integration.sync_runs.filter(
                    status__in=[SyncRun.Status.QUEUED, SyncRun.Status.RUNNING]
                )
                .order_by("-pk")
                .first(),
            }
        )
    return statuses
