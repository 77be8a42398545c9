"""Admin for platform state, API keys shown once, and tighter rules for beat schedules."""

from django.contrib import admin
from django.contrib.auth import get_user_model
from django.template.response import TemplateResponse
from django.utils.cache import add_never_cache_headers
from django_celery_beat.admin import PeriodicTaskAdmin as BeatPeriodicTaskAdmin
from django_celery_beat.models import PeriodicTask
from django_celery_results.admin import GroupResultAdmin as ResultsGroupResultAdmin
from django_celery_results.admin import TaskResultAdmin as ResultsTaskResultAdmin
from django_celery_results.models import GroupResult, TaskResult
from rest_framework.authtoken.admin import TokenAdmin
from rest_framework.authtoken.models import TokenProxy

from agiletrack.models import ApiKey, Heartbeat
from agiletrack.schedules import schedule_label


@admin.register(Heartbeat)
class HeartbeatAdmin(admin.ModelAdmin):
    list_display = ("name", "beat_at")
    readonly_fields = ("name", "beat_at")


admin.site.unregister(PeriodicTask)


@admin.register(PeriodicTask)
class PeriodicTaskAdmin(BeatPeriodicTaskAdmin):
    """A schedule runs any registered task with any arguments, so only superusers edit or run
    them; other staff with the view permission can look. The list says how often each runs
    in words ("every hour", "weekly, Monday 03:00")."""

    list_display = ("name", "enabled", "schedule", "last_run_at")
    list_select_related = ("interval", "crontab", "solar", "clocked")

    @admin.display(description="Schedule")
    def schedule(self, obj: PeriodicTask) -> str:
        return schedule_label(obj)

    def has_add_permission(self, request) -> bool:
        return request.user.is_superuser

    def has_change_permission(self, request, obj=None) -> bool:
        return request.user.is_superuser

    def has_delete_permission(self, request, obj=None) -> bool:
        return request.user.is_superuser

    def get_actions(self, request):
        actions = super().get_actions(request)
        if not request.user.is_superuser:
            actions.pop("run_tasks", None)
        return actions


admin.site.unregister(TokenProxy)


@admin.register(ApiKey)
class ApiKeyAdmin(TokenAdmin):
    """API keys by user: the key is shown once, on the page right after its creation, and never
    again (not listed, not on the view or delete page, not in the admin's log). A key is not
    edited: delete it and add a new one. Staff who are not superusers manage only their own."""

    list_display = ("user", "created")

    def get_fields(self, request, obj=None):
        return ("user",) if obj is None else ("user", "created")

    def get_readonly_fields(self, request, obj=None):
        return () if obj is None else ("user", "created")

    def get_queryset(self, request):
        keys = super().get_queryset(request).select_related("user")
        return keys if request.user.is_superuser else keys.filter(user=request.user)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "user" and not request.user.is_superuser:
            kwargs["queryset"] = get_user_model().objects.filter(pk=request.user.pk)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def response_add(self, request, obj, post_url_continue=None):
        context = {
            **self.admin_site.each_context(request),
            "title": "API key created",
            "opts": self.opts,
            "key": obj,
        }
        response = TemplateResponse(request, "admin/agiletrack/apikey/created.html", context)
        add_never_cache_headers(response)
        return response


class SuperuserOnlyResults:
    """Task results span every team (a failed sync's traceback names its repository or host),
    so only superusers see them."""

    def has_module_permission(self, request) -> bool:
        return request.user.is_superuser

    def has_view_permission(self, request, obj=None) -> bool:
        return request.user.is_superuser

    def has_change_permission(self, request, obj=None) -> bool:
        return request.user.is_superuser

    def has_delete_permission(self, request, obj=None) -> bool:
        return request.user.is_superuser

    def has_add_permission(self, request) -> bool:
        return request.user.is_superuser


admin.site.unregister(TaskResult)
admin.site.unregister(GroupResult)


@admin.register(TaskResult)
class TaskResultAdmin(SuperuserOnlyResults, ResultsTaskResultAdmin):
    pass


@admin.register(GroupResult)
class GroupResultAdmin(SuperuserOnlyResults, ResultsGroupResultAdmin):
    pass
