"""Reads for teams and integrations, scoped to what a user may see."""

from dataclasses import dataclass

from django.contrib.auth.models import AnonymousUser, User
from django.db.models import (
    Avg,
    Count,
    DurationField,
    ExpressionWrapper,
    F,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
)

from integrations.models import Integration, SyncRun, Team
from integrations.status import ACTIVE_RUN_STATUSES, IntegrationStatus, integration_status
from metrics.scope import MetricScope, window_filter


def teams_for_user(user: User | AnonymousUser) -> QuerySet[Team]:
    """Teams the user belongs to; every team for a superuser; none for anonymous users."""
    if not user.is_authenticated:
        return Team.objects.none()
    if user.is_superuser:
        return Team.objects.all()
    return Team.objects.filter(members=user)


def rows_of_user_teams(rows: QuerySet, user: User | AnonymousUser, team_path: str) -> QuerySet:
    """The rows whose team (reached through team_path; "" for teams) the user may see."""
    if user.is_authenticated and user.is_superuser:
        return rows
    lookup = f"{team_path}__in" if team_path else "pk__in"
    return rows.filter(**{lookup: teams_for_user(user)})


def team_mates(user: User | AnonymousUser) -> QuerySet[User]:
    """The user and the members of the user's teams (every user for a superuser)."""
    if user.is_authenticated and user.is_superuser:
        return User.objects.all()
    mates = Q(teams__in=teams_for_user(user)) | Q(pk=user.pk)
    return User.objects.filter(mates).distinct()


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
    `recent` newest runs queued in the window, the run queued or running now and the one
    status its card shows."""
    rows = with_sync_stats(
        Integration.objects.filter(team=team, pk__in=scope.integration_ids)
    ).order_by("name", "pk")
    statuses = []
    for integration in rows:
        in_window = integration.sync_runs.filter(window_filter("queued_at", scope))
        active_run = (
            integration.sync_runs.filter(status__in=ACTIVE_RUN_STATUSES).order_by("-pk").first()
        )
        statuses.append(
            {
                "integration": integration,
                "runs": list(in_window.order_by("-queued_at", "-pk")[:recent]),
                "active_run": active_run,
                "status": integration_status(integration, active_run),
            }
        )
    return statuses


@dataclass(frozen=True)
class IntegrationSyncStatus:
    """One integration as the status displays show it: its one status, its run queued or
    running now, and its newest run."""

    integration: Integration
    status: IntegrationStatus
    active_run: SyncRun | None
    latest_run: SyncRun | None
    succeeded_runs: int = 0
    failed_runs: int = 0


def list_sync_statuses(integrations: list[Integration]) -> list[IntegrationSyncStatus]:
    """The integrations (a team's, as list_team_integrations gives them), each with its one
    status, its current and newest runs and its run counts (three queries, however many
    integrations)."""
    runs = SyncRun.objects.filter(integration__in=integrations)
    active: dict[int, SyncRun] = {}
    for run in runs.filter(status__in=ACTIVE_RUN_STATUSES).order_by("pk"):
        active[run.integration_id] = run  # the newest wins
    latest = {
        run.integration_id: run
        for run in runs.filter(
            pk=Subquery(
                SyncRun.objects.filter(integration_id=OuterRef("integration_id"))
                .order_by("-queued_at", "-pk")
                .values("pk")[:1]
            )
        )
    }
    counted = {
        row["integration_id"]: row
        for row in runs.order_by()
        .values("integration_id")
        .annotate(
            succeeded=Count("pk", filter=Q(status="succeeded")),
            failed=Count("pk", filter=Q(status__in=["failed", "partial"])),
        )
    }
    no_runs = {"succeeded": 0, "failed": 0}
    return [
        IntegrationSyncStatus(
            integration,
            integration_status(integration, active.get(integration.pk)),
            active.get(integration.pk),
            latest.get(integration.pk),
            counted.get(integration.pk, no_runs)["succeeded"],
            counted.get(integration.pk, no_runs)["failed"],
        )
        for integration in integrations
    ]
