"""API views for teams and integrations; what a user sees comes from the selectors."""

from rest_framework import viewsets
from rest_framework.permissions import IsAuthenticated

from integrations import selectors
from integrations.api.permissions import IsStaffOrReadOnly
from integrations.api.serializers import IntegrationSerializer, TeamSerializer


class TeamViewSet(viewsets.ReadOnlyModelViewSet):
    """Teams you belong to (teams are managed in the admin)."""

    serializer_class = TeamSerializer
    filterset_fields = ["slug"]

    def get_queryset(self):
        return selectors.teams_for_user(self.request.user).prefetch_related("members")


class IntegrationViewSet(viewsets.ModelViewSet):
    """GitHub, Jira and Trello integrations of your teams. Writes need staff."""

    serializer_class = IntegrationSerializer
    permission_classes = [IsAuthenticated, IsStaffOrReadOnly]
    filterset_fields = ["team", "kind", "status", "is_active"]

    def get_queryset(self):
        return selectors.integrations_for_user(self.request.user).order_by("id")
