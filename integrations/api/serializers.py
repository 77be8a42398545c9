"""API shapes for teams and integrations. Validation of config and credentials lives in
integrations.config and is applied by the services."""

from typing import Any

from django.contrib.auth import get_user_model
from drf_spectacular.utils import PolymorphicProxySerializer, extend_schema_field
from rest_framework import serializers

from integrations import selectors, services
from integrations.models import Integration, SyncRun, Team
from integrations.providers import registry


@extend_schema_field(
    PolymorphicProxySerializer(
        component_name="IntegrationConfig",
        serializers=[spec.config_serializer for spec in registry.providers()],
        resource_type_field_name=None,
    )
)
class ConfigField(serializers.JSONField):
    """The kind's config object, validated per kind."""


@extend_schema_field(
    PolymorphicProxySerializer(
        component_name="IntegrationCredentials",
        serializers=[spec.credentials_serializer for spec in registry.providers()],
        resource_type_field_name=None,
    )
)
class CredentialsField(serializers.JSONField):
    """The kind's credentials: accepted, encrypted, never returned."""


class MemberSerializer(serializers.ModelSerializer):
    class Meta:
        model = get_user_model()
        fields = ["id", "username"]


class TeamSerializer(serializers.ModelSerializer):
    members = MemberSerializer(many=True, read_only=True)

    class Meta:
        model = Team
        fields = ["id", "name", "slug", "time_zone", "dora_bands", "members", "created_at"]


class IntegrationSerializer(serializers.ModelSerializer):
    team = serializers.PrimaryKeyRelatedField(
        queryset=Team.objects.none(), help_text="Id of a team you belong to."
    )
    config = ConfigField(help_text="Per kind; see IntegrationConfig.")
    credentials = CredentialsField(
        write_only=True,
        required=False,
        help_text="Required when creating; replaces the stored credentials when given on update. "
        "Never returned.",
    )
    has_credentials = serializers.BooleanField(read_only=True)
    succeeded_runs = serializers.SerializerMethodField(help_text="Sync runs that succeeded.")
    failed_runs = serializers.SerializerMethodField(help_text="Sync runs that failed (or partly).")
    mean_run_seconds = serializers.SerializerMethodField(
        help_text="Mean processing time of finished sync runs, in seconds."
    )

    class Meta:
        model = Integration
        fields = [
            "id",
            "team",
            "kind",
            "name",
            "config",
            "credentials",
            "has_credentials",
            "is_active",
            "status",
            "last_sync_at",
            "last_success_at",
            "last_error",
            "succeeded_runs",
            "failed_runs",
            "mean_run_seconds",
            "created_at",
            "updated_at",
        ]
        read_only_fields = [
            "status",
            "last_sync_at",
            "last_success_at",
            "last_error",
            "created_at",
            "updated_at",
        ]
        extra_kwargs = {
            "name": {"help_text": "Unique within the team."},
            "kind": {"help_text": "The provider (one of the choices); fixed once created."},
            "is_active": {"help_text": "Inactive integrations are not synced."},
            "status": {"help_text": "Outcome of the last sync, or pending before the first."},
            "last_error": {"help_text": "Plain-words reason of the last failure; never secrets."},
        }

    def _stats(self, integration: Integration) -> Any:
        """The integration with the annotations of selectors.with_sync_stats."""
        if not hasattr(integration, "succeeded_runs"):
            # Freshly created or updated: not annotated by the list queryset.
            integration = selectors.with_sync_stats(
                Integration.objects.filter(pk=integration.pk)
            ).get()
        return integration

    def get_succeeded_runs(self, integration: Integration) -> int:
        return self._stats(integration).succeeded_runs

    def get_failed_runs(self, integration: Integration) -> int:
        return self._stats(integration).failed_runs

    def get_mean_run_seconds(self, integration: Integration) -> float | None:
        mean = self._stats(integration).mean_run_duration
        return round(mean.total_seconds(), 2) if mean is not None else None

    def get_fields(self):
        fields = super().get_fields()
        request = self.context.get("request")
        if request is not None:
            fields["team"].queryset = selectors.teams_for_user(request.user)
        return fields

    def validate(self, attrs: dict) -> dict:
        if self.instance is not None:
            if "kind" in attrs and attrs["kind"] != self.instance.kind:
                raise serializers.ValidationError({"kind": ["The kind cannot change."]})
            if "team" in attrs and attrs["team"] != self.instance.team:
                raise serializers.ValidationError({"team": ["An integration cannot move teams."]})
        elif "credentials" not in attrs:
            raise serializers.ValidationError({"credentials": ["This field is required."]})
        return attrs

    def create(self, validated_data: dict) -> Integration:
        return services.create_integration(**validated_data)

    def update(self, instance: Integration, validated_data: dict) -> Integration:
        validated_data.pop("kind", None)
        validated_data.pop("team", None)
        return services.update_integration(instance, **validated_data)


class SyncRunSerializer(serializers.ModelSerializer):
    integration = serializers.PrimaryKeyRelatedField(read_only=True)
    duration_seconds = serializers.FloatField(
        read_only=True, allow_null=True, help_text="Processing time, from start to finish."
    )

    class Meta:
        model = SyncRun
        fields = [
            "id",
            "integration",
            "trigger",
            "status",
            "queued_at",
            "started_at",
            "finished_at",
            "duration_seconds",
            "api_requests",
            "api_requests_not_modified",
            "records_created",
            "records_updated",
            "records_by_kind",
            "error_type",
            "error_message",
        ]
        read_only_fields = fields


class SyncQueuedSerializer(serializers.Serializer):
    sync_run = serializers.IntegerField(
        help_text="Id of the queued run, or of the run already queued or running; poll "
        "/api/sync-runs/{id}/."
    )
    queued = serializers.BooleanField(
        help_text="True when this request queued the run; false when it names one already "
        "queued or running."
    )
    detail = serializers.CharField(help_text="What happened, in plain words.")


class SyncThrottledSerializer(serializers.Serializer):
    code = serializers.CharField(help_text='"throttled".')
    detail = serializers.CharField(help_text="When the last sync was asked for; when to retry.")
    sync_run = serializers.IntegerField(help_text="Id of the sync asked for last.")


class ConnectionCheckSerializer(serializers.Serializer):
    ok = serializers.BooleanField(
        help_text="Whether the credentials work and the scope is reachable."
    )
    message = serializers.CharField(help_text="What was found, in plain words.")
    details = serializers.DictField(help_text="Provider-specific facts (account, scopes, ...).")


class DryRunSerializer(serializers.Serializer):
    """What `POST /api/integrations/?dry_run=true` found; nothing is stored."""

    dry_run = serializers.BooleanField()
    ok = serializers.BooleanField(help_text="The provider accepted the credentials and settings.")
    message = serializers.CharField(help_text="In plain words, never with the credentials.")
    error = serializers.CharField(help_text="auth, not_found, config, transient, rate_limited...")
    save_refused = serializers.BooleanField(
        help_text="Rejected credentials or unknown repositories/boards: a save would fail later."
    )
    provider_unavailable = serializers.BooleanField(
        help_text="Timeouts or provider errors: saving anyway is possible; the sync retries."
    )


class DryRunParameterSerializer(serializers.Serializer):
    dry_run = serializers.BooleanField(
        required=False,
        default=False,
        help_text="true: validate and test the connection without storing anything.",
    )


class ScopeRequestSerializer(serializers.Serializer):
    """What the form's picker asks for: a kind, its API address, credentials, a search."""

    kind = serializers.CharField(max_length=16, help_text="The provider kind, e.g. github.")
    config = serializers.DictField(
        required=False,
        default=dict,
        help_text="The settings entered so far; only the API address is used.",
    )
    credentials = serializers.DictField(
        child=serializers.CharField(allow_blank=True, trim_whitespace=True),
        required=False,
        default=dict,
        help_text="Credentials as entered; empty ones come from `integration` (same host only).",
    )
    query = serializers.CharField(
        required=False, default="", allow_blank=True, max_length=100, help_text="Search text."
    )
    cursor = serializers.CharField(
        required=False,
        default=None,
        allow_null=True,
        allow_blank=True,
        max_length=100,
        help_text="The next_cursor of the previous answer, to load more.",
    )
    integration = serializers.IntegerField(
        required=False,
        default=None,
        allow_null=True,
        help_text="Id of the integration being edited, whose stored credentials may be used.",
    )


class ScopeSerializer(serializers.Serializer):
    value = serializers.CharField(help_text='What goes into the config ("owner/name", an id).')
    label = serializers.CharField()
    detail = serializers.CharField(allow_blank=True)


class ScopePageSerializer(serializers.Serializer):
    items = ScopeSerializer(many=True)
    next_cursor = serializers.CharField(
        allow_null=True, help_text="Send back as `cursor` to load more; null at the end."
    )
    searched_on_server = serializers.BooleanField(
        help_text="True: the provider searched by the query; false: only loaded items were."
    )


class ScopeErrorSerializer(serializers.Serializer):
    error = serializers.CharField(help_text="Why nothing could be listed, in plain words.")
