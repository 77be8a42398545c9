"""Read-only admin lists of synced activity, with the derived values, for a quick look."""

from django.contrib import admin
from django.db import models

from integrations.admin_scope import TeamScopedAdmin, only_present
from metrics.models import Deployment, Incident, PullRequest, Sprint, WorkItem


class ReadOnlyAdmin(TeamScopedAdmin):
    """Synced rows change only through syncs; the admin shows them (of the user's teams)."""

    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(PullRequest)
class PullRequestAdmin(ReadOnlyAdmin):
    # Columns chosen to fit a 1280 px screen; each row's page has the stage times.
    list_display = ("__str__", "title", "author", "state", "merged_at", "cycle_time_minutes")
    list_filter = ("state", "author_is_bot", "is_draft", only_present("integration"), "repository")
    search_fields = ("title", "author", "repository")
    date_hierarchy = "created_at"


@admin.register(Deployment)
class DeploymentAdmin(ReadOnlyAdmin):
    list_display = ("repository", "environment", "status", "source", "created_at", "finished_at")
    list_filter = ("status", "source", "environment", only_present("integration"))
    search_fields = ("repository", "name", "sha")
    date_hierarchy = "created_at"


@admin.register(Incident)
class IncidentAdmin(ReadOnlyAdmin):
    list_display = ("__str__", "created_at", "resolved_at")
    list_filter = (only_present("integration"), "repository")
    search_fields = ("title", "repository")


@admin.register(WorkItem)
class WorkItemAdmin(ReadOnlyAdmin):
    list_display = (
        "key",
        "title",
        "kind",
        "status",
        "story_points",
        "resolved_at",
        "cycle_time_minutes",
    )
    list_filter = ("status_category", "kind", only_present("integration"), "container")
    search_fields = ("key", "title", "assignee")
    date_hierarchy = "created_at"


@admin.register(Sprint)
class SprintAdmin(ReadOnlyAdmin):
    list_display = ("name", "state", "board_id", "start_at", "end_at", "completed_at")
    list_filter = ("state", only_present("integration"))
    search_fields = ("name",)
