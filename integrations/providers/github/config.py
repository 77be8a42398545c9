"""What a GitHub integration is configured with: its settings and its credentials."""

from __future__ import annotations

from rest_framework import serializers

from integrations.providers.github.parse import WORKFLOW_PATTERN_MAX, workflow_matcher
from integrations.providers.schema import (
    StrictCharField,
    StrictSerializer,
    unique,
    validate_api_url,
)

DEPLOYMENT_SOURCES = ("deployments", "releases", "workflow_runs")


class GitHubConfigSerializer(StrictSerializer):
    """Which repositories to read and where deployments and incidents come from."""

    api_url = serializers.URLField(
        required=False,
        default="https://api.github.com",
        help_text="REST API root: https://api.github.com, or https://HOST/api/v3 for Enterprise.",
    )
    repositories = serializers.ListField(
        child=serializers.RegexField(
            r"^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})/[A-Za-z0-9._-]{1,100}$",
            error_messages={"invalid": "Repository names look like owner/name."},
        ),
        allow_empty=False,
        max_length=500,
        help_text='Repositories as "owner/name".',
    )
    deployment_source = serializers.ChoiceField(
        choices=DEPLOYMENT_SOURCES,
        required=False,
        default="deployments",
        help_text="Where deployments come from: the deployments API, releases, or workflow runs.",
    )
    deployment_environments = serializers.ListField(
        child=StrictCharField(max_length=100, allow_blank=True),
        required=False,
        default=lambda: ["production", "prod"],
        help_text=(
            "Environments whose deployments count as production (deployments source; "
            'case-insensitive). List "" to count deployments that name no environment; '
            "an empty list counts every environment."
        ),
    )
    deployment_workflow_pattern = StrictCharField(
        required=False,
        default="",
        allow_blank=True,
        max_length=WORKFLOW_PATTERN_MAX,
        help_text=(
            "Regular expression on workflow names (workflow_runs source), e.g. ^deploy. Matched "
            "by RE2 (no lookarounds or backreferences), so no pattern can stall a sync."
        ),
    )
    deployment_branch = StrictCharField(
        required=False,
        default="",
        allow_blank=True,
        max_length=255,
        help_text=(
            "Branch whose workflow runs count as deployments (workflow_runs source); blank: "
            "the repository's default branch."
        ),
    )
    incident_labels = serializers.ListField(
        child=StrictCharField(max_length=100),
        required=False,
        default=lambda: ["incident"],
        help_text="Issue labels that mark an incident.",
    )
    bot_patterns = serializers.ListField(
        child=StrictCharField(max_length=100),
        required=False,
        default=lambda: ["*[bot]"],
        help_text="Glob patterns of logins excluded as bots, e.g. *[bot] or renovate*.",
    )

    def validate_api_url(self, value: str) -> str:
        return validate_api_url(value)

    def validate_repositories(self, value: list[str]) -> list[str]:
        return unique(value, "repository")

    def validate_deployment_workflow_pattern(self, value: str) -> str:
        try:
            workflow_matcher(value)
        except ValueError as exc:
            raise serializers.ValidationError(str(exc)) from None
        return value

    def validate(self, attrs: dict) -> dict:
        if (
            attrs["deployment_source"] == "workflow_runs"
            and not attrs["deployment_workflow_pattern"]
        ):
            raise serializers.ValidationError(
                {
                    "deployment_workflow_pattern": [
                        "Required when deployment_source is workflow_runs."
                    ]
                }
            )
        return attrs


class GitHubCredentialsSerializer(StrictSerializer):
    token = StrictCharField(
        write_only=True,
        label="Token",
        help_text="Personal access token or GitHub App installation token.",
    )
    webhook_secret = StrictCharField(
        write_only=True,
        required=False,
        label="Webhook secret (optional)",
        help_text="Optional: the secret webhooks are signed with (enables /webhooks/...).",
    )
