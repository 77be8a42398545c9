"""Team isolation in the admin: staff who are not superusers see and change only their teams' rows.

A row of another team answers as a missing one (its change, delete and history pages say it
does not exist), its team or integration is no choice in a form, and list filters offer only
values of the user's own rows.
"""

from django.contrib import admin
from django.contrib.auth import get_user_model

from integrations import selectors
from integrations.models import Integration, Team


class TeamScopedAdmin(admin.ModelAdmin):
    """A ModelAdmin limited to the teams of a user who is not a superuser.

    team_path leads from the model to its team ("" for the team itself)."""

    team_path = "integration__team"

    def get_queryset(self, request):
        rows = super().get_queryset(request)
        return selectors.rows_of_user_teams(rows, request.user, self.team_path)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.related_model is Team:
            kwargs["queryset"] = selectors.teams_for_user(request.user)
        elif db_field.related_model is Integration:
            kwargs["queryset"] = selectors.rows_of_user_teams(
                Integration.objects.all(), request.user, "team"
            )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if db_field.related_model is Team:
            kwargs["queryset"] = selectors.teams_for_user(request.user)
        elif db_field.related_model is get_user_model():
            kwargs["queryset"] = selectors.team_mates(request.user)
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    def _is_visible(self, request, obj) -> bool:
        if obj is None or request.user.is_superuser:
            return True
        return self.get_queryset(request).filter(pk=obj.pk).exists()

    def has_view_permission(self, request, obj=None) -> bool:
        return super().has_view_permission(request, obj) and self._is_visible(request, obj)

    def has_change_permission(self, request, obj=None) -> bool:
        return super().has_change_permission(request, obj) and self._is_visible(request, obj)

    def has_delete_permission(self, request, obj=None) -> bool:
        return super().has_delete_permission(request, obj) and self._is_visible(request, obj)


def only_present(field_path: str) -> tuple:
    """A list filter on a relation that lists only the values of the rows the user sees."""
    return (field_path, admin.RelatedOnlyFieldListFilter)
