"""Reads for teams and integrations, scoped to what a user may see."""

from collections.abc import Iterable

from django.contrib.auth.models import AnonymousUser, User
from django.db.models import Avg, Count, DurationField, ExpressionWrapper, F, Q, QuerySet

from integrations.models import Integration, SyncRun, Team


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
