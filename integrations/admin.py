"""Admin for teams, integrations, sync runs and cursors.

Credentials are write-only here too: the form has password-style fields that start empty, and
leaving them empty keeps what is stored.
"""

import contextlib
import json
from typing import Any

from django import forms
from django.contrib import admin, messages
from rest_framework import serializers

from integrations import config as integration_config
from integrations import selectors, services
from integrations.admin_scope import TeamScopedAdmin, only_present
from integrations.credentials import origin_of
from integrations.crypto import CredentialsError
from integrations.forms import credential_form_fields, credential_uses, credentials_of
from integrations.models import Integration, SyncCursor, SyncRun, Team
from integrations.providers import registry


@admin.register(Team)
class TeamAdmin(TeamScopedAdmin):
    team_path = ""
    list_display = ("name", "slug", "time_zone", "dora_bands", "member_count", "integration_count")
    search_fields = ("name", "slug", "members__username")
    prepopulated_fields = {"slug": ("name",)}
    filter_horizontal = ("members",)

    @admin.display(description="members")
    def member_count(self, team: Team) -> int:
        return team.members.count()

    @admin.display(description="integrations")
    def integration_count(self, team: Team) -> int:
        return team.integrations.count()

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        if not change and not request.user.is_superuser:
            # Who adds a team joins it, or it would vanish from their admin at once.
            form.instance.members.add(request.user)


class IntegrationAdminForm(forms.ModelForm):
    """Validates config and credentials with the same rules as the API (integrations.config).

    The credential fields of every provider are added by IntegrationAdmin.get_form."""

    class Meta:
        model = Integration
        fields = ["team", "kind", "name", "config", "is_active"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["kind"].disabled = True
            self.fields["team"].disabled = True

    def clean(self):
        cleaned = super().clean() or {}
        kind = cleaned.get("kind") or self.instance.kind
        if not kind:
            return cleaned
        if "config" in cleaned:
            try:
                cleaned["config"] = integration_config.clean_config(kind, cleaned["config"])
            except serializers.ValidationError as exc:
                self.add_error("config", _flatten(exc.detail))
        given = credentials_of(self, kind)
        self.new_credentials = None
        origin = origin_of(kind, cleaned.get("config") or {}) if "config" in cleaned else None
        moved = bool(self.instance.pk) and origin not in (
            None,
            origin_of(kind, self.instance.config),
        )
        if given and self.instance.pk and not moved:
            # Fields left empty keep their stored values (never across a change of host).
            with contextlib.suppress(CredentialsError):
                given = {**services.get_credentials(self.instance), **given}
        if moved and not given:
            self.add_error(None, services.enter_again_message(self.instance, str(origin)))
        elif given:
            try:
                self.new_credentials = integration_config.clean_credentials(kind, given)
            except serializers.ValidationError as exc:
                self.add_error(None, _flatten(exc.detail))
        elif self.instance.pk is None:
            spec = registry.get(kind)
            required = ", ".join(spec.required_credentials() if spec else [])
            self.add_error(None, f"Enter the credentials: {required}.")
        return cleaned

    def save(self, commit: bool = True) -> Integration:
        """Write through the services (the admin calls this once the form is valid)."""
        data = self.cleaned_data
        if self.instance.pk is None:
            self.instance = services.create_integration(
                team=data["team"],
                kind=data["kind"],
                name=data["name"],
                config=data["config"],
                credentials=self.new_credentials or {},
                is_active=data["is_active"],
            )
        else:
            self.instance = services.update_integration(
                self.instance,
                name=data["name"],
                config=data["config"],
                credentials=self.new_credentials,
                is_active=data["is_active"],
            )
        return self.instance


def _flatten(detail, prefix: str = "") -> list[str]:
    """Turn nested per-field API errors into readable lines like 'config.repositories: ...'."""
    if isinstance(detail, dict):
        lines = []
        for key, value in detail.items():
            if isinstance(key, int):  # the position of an item in a list
                name = f"{prefix}[{key}]"
            else:
                name = f"{prefix}.{key}" if prefix else str(key)
            lines.extend(_flatten(value, name))
        return lines
    if isinstance(detail, list):
        lines = []
        for index, value in enumerate(detail):
            if isinstance(value, dict | list):
                lines.extend(_flatten(value, f"{prefix}[{index}]"))
            else:
                lines.append(f"{prefix}: {value}" if prefix else str(value))
        return lines
    return [f"{prefix}: {detail}" if prefix else str(detail)]


@admin.register(Integration)
class IntegrationAdmin(TeamScopedAdmin):
    team_path = "team"
    form = IntegrationAdminForm
    # Columns chosen to fit a 1280 px screen; the rest is on each integration's page.
    list_display = (
        "name",
        "team",
        "kind",
        "is_active",
        "status",
        "last_success_at",
        "succeeded_runs",
        "failed_runs",
        "short_error",
    )
    list_filter = ("kind", "status", "is_active", only_present("team"))
    search_fields = ("name", "team__name", "last_error")
    readonly_fields = (
        "credentials_state",
        "status",
        "last_sync_at",
        "last_success_at",
        "last_error",
        "created_at",
        "updated_at",
    )
    fieldsets = (
        (None, {"fields": ("team", "kind", "name", "is_active", "config")}),
        (
            "Credentials (write-only)",
            {"fields": ("credentials_state",)},
        ),
        (
            "Sync status",
            {"fields": ("status", "last_sync_at", "last_success_at", "last_error")},
        ),
        ("Timestamps", {"fields": ("created_at", "updated_at")}),
    )

    actions = ["sync_now", "test_connection"]

    class Media:
        # Shows only the chosen provider's credential fields.
        js = ("agiletrack/admin_integration.js",)

    def get_form(self, request, obj=None, change=False, **kwargs):
        """The form with the credential fields of every registered provider."""
        fields = credential_form_fields(editing=obj is not None, explain=True)
        form = type(IntegrationAdminForm.__name__, (IntegrationAdminForm,), fields)
        return super().get_form(request, obj, change, form=form, **kwargs)

    def get_fieldsets(self, request, obj=None):
        general, credentials, *rest = self.fieldsets
        names = tuple(credential_uses())
        title, options = credentials
        return [general, (title, {"fields": (*options["fields"], *names)}), *rest]

    @admin.action(description="Sync now")
    def sync_now(self, request, queryset):
        queued = answered = 0
        for integration in queryset:
            if integration.is_active:
                asked = services.request_sync(integration)
                queued += asked.queued
                answered += not asked.queued
        note = f" {answered} already queued, running or synced moments ago." if answered else ""
        self.message_user(
            request, f"Queued a sync of {queued} integration(s); see Sync runs.{note}"
        )

    @admin.action(description="Test connection")
    def test_connection(self, request, queryset):
        for integration in queryset:
            check = services.test_connection(integration)
            level = messages.SUCCESS if check.ok else messages.ERROR
            self.message_user(request, f"{integration.name}: {check.message}", level=level)

    @admin.display(description="credentials")
    def credentials_state(self, integration: Integration) -> str:
        return "stored (encrypted)" if integration.has_credentials else "none"

    def get_queryset(self, request):
        return selectors.with_sync_stats(super().get_queryset(request))

    @admin.display(description="succeeded", ordering="succeeded_runs")
    def succeeded_runs(self, integration: Any) -> int:
        return integration.succeeded_runs

    @admin.display(description="failed", ordering="failed_runs")
    def failed_runs(self, integration: Any) -> int:
        return integration.failed_runs

    @admin.display(description="last error")
    def short_error(self, integration: Integration) -> str:
        return integration.last_error[:80]

    def save_model(self, request, obj, form, change):
        # IntegrationAdminForm.save() wrote through the services already.
        pass

    def save_related(self, request, form, formsets, change):
        # No many-to-many fields or inlines.
        pass


@admin.register(SyncRun)
class SyncRunAdmin(TeamScopedAdmin):
    # Columns chosen to fit a 1280 px screen; each run's page has every field.
    list_display = (
        "id",
        "integration",
        "trigger",
        "status",
        "queued_at",
        "duration",
        "requests",
        "records",
        "error",
    )
    list_filter = ("status", "trigger", "integration__kind", only_present("integration__team"))
    search_fields = ("integration__name", "error_message", "task_id")
    date_hierarchy = "queued_at"

    def get_readonly_fields(self, request, obj=None):
        return [field.name for field in SyncRun._meta.fields]

    @admin.display(description="duration (s)")
    def duration(self, run: SyncRun) -> str:
        seconds = run.duration_seconds
        return "" if seconds is None else f"{seconds:.1f}"

    @admin.display(description="requests", ordering="api_requests")
    def requests(self, run: SyncRun) -> str:
        free = f" (+{run.api_requests_not_modified} 304)" if run.api_requests_not_modified else ""
        return f"{run.api_requests}{free}"

    @admin.display(description="error", ordering="error_type")
    def error(self, run: SyncRun) -> str:
        return run.error_type

    @admin.display(description="new / updated")
    def records(self, run: SyncRun) -> str:
        return f"{run.records_created} / {run.records_updated}"

    def has_add_permission(self, request) -> bool:
        return False


@admin.register(SyncCursor)
class SyncCursorAdmin(TeamScopedAdmin):
    list_display = ("integration", "stream", "watermark", "updated_at")
    list_filter = ("integration__kind",)
    search_fields = ("integration__name", "stream")

    def get_readonly_fields(self, request, obj=None):
        return ["integration", "stream", "updated_at", "state_json"]

    @admin.display(description="state")
    def state_json(self, cursor: SyncCursor) -> str:
        return json.dumps(cursor.state, indent=2)
