"""Reads for teams and integrations, scoped to what a user may see."""

from django.contrib.auth.models import AnonymousUser, User
from django.db.models import QuerySet

from integrations.models import Integration, SyncRun, Team


def teams_for_user(user: User | AnonymousUser) -> QuerySet[Team]:
    """Teams the user belongs to; every team for a superuser; none for anonymous users."""
    if not user.is_authenticated:
        return Team.objects.none()
    if user.is_superuser:
        return Team.objects.all()
    return Team.objects.filter(members=user)


def integrations_for_user(user: User | AnonymousUser) -> QuerySet[Integration]:
    """Integrations of the teams the user may see."""
    return Integration.objects.filter(team__in=teams_for_user(user)).select_related("team")


def sync_runs_for_user(user: User | AnonymousUser) -> QuerySet[SyncRun]:
    """Sync runs of the integrations the user may see, newest first."""
    return SyncRun.objects.filter(integration__in=integrations_for_user(user)).select_related(
        "integration"
    )
