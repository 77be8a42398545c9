"""What a Jira Cloud integration is configured with: its settings and its credentials."""

from __future__ import annotations

from rest_framework import serializers

from integrations.providers.schema import (
    StrictCharField,
    StrictSerializer,
    category_mapping,
    unique,
    validate_api_url,
)

# Issue types left out of flow metrics unless configured (DevLake leaves epics out too).
DEFAULT_LEFT_OUT_KINDS = ["Epic"]


class JiraConfigSerializer(StrictSerializer):
    """Which Jira Cloud board or projects to read and how statuses map to categories."""

    site_url = serializers.URLField(
        help_text="Your Jira Cloud site, e.g. https://acme.atlassian.net."
    )
    board_id = serializers.IntegerField(
        required=False,
        allow_null=True,
        default=None,
        min_value=1,
        help_text="Numeric id of the Scrum or Kanban board (sprints come from it).",
    )
    project_keys = serializers.ListField(
        child=serializers.RegexField(
            r"^[A-Z][A-Z0-9_]{1,9}$",
            error_messages={"invalid": "Project keys are 2-10 capital letters, digits or _."},
        ),
        required=False,
        default=list,
        help_text='Project keys, e.g. ["ENG"]; at least one of board_id and project_keys.',
    )
    story_points_field = serializers.RegexField(
        r"^customfield_\d+$",
        required=False,
        allow_null=True,
        default=None,
        error_messages={"invalid": "Custom field ids look like customfield_10016."},
        help_text="Story points field id; detected automatically when empty.",
    )
    status_mapping = category_mapping(
        "Status name to category (todo, in_progress, done); Jira's own categories otherwise."
    )

    left_out_kinds = serializers.ListField(
        child=StrictCharField(max_length=50),
        required=False,
        default=lambda: list(DEFAULT_LEFT_OUT_KINDS),
        max_length=50,
        help_text='Issue types left out of WIP, aging, throughput, cycle and lead time: ["Epic"].',
    )

    def validate_site_url(self, value: str) -> str:
        return validate_api_url(value)

    def validate_project_keys(self, value: list[str]) -> list[str]:
        return unique(value, "project key")

    def validate(self, attrs: dict) -> dict:
        if attrs.get("board_id") is None and not attrs["project_keys"]:
            raise serializers.ValidationError(
                {"project_keys": ["Give a board_id or at least one project key."]}
            )
        return attrs


class JiraCredentialsSerializer(StrictSerializer):
    email = serializers.EmailField(
        write_only=True, label="Atlassian email", help_text="Atlassian account email."
    )
    api_token = StrictCharField(
        write_only=True, label="API token", help_text="Atlassian API token."
    )
    webhook_secret = StrictCharField(
        write_only=True,
        required=False,
        label="Webhook secret (optional)",
        help_text="Optional: the secret webhooks are signed with (enables /webhooks/...).",
    )
