"""Validation of integration config and credentials, per kind: the one place the API, the admin
and the services use. Each serializer documents its fields for the OpenAPI schema too.
"""

import re
from typing import Any

from rest_framework import serializers

from integrations import url_guard

CATEGORIES = ("todo", "in_progress", "done")
DEPLOYMENT_SOURCES = ("deployments", "releases", "workflow_runs")


class StrictCharField(serializers.CharField):
    """A CharField that refuses numbers and booleans instead of turning them into text."""

    def to_internal_value(self, data: Any) -> str:
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


class StrictSerializer(serializers.Serializer):
    """A serializer that reports unknown keys as field errors instead of dropping them."""

    def to_internal_value(self, data: Any) -> dict:
        errors: dict[str, Any] = {}
        if isinstance(data, dict):
            errors = {key: ["Unknown key."] for key in data if key not in self.fields}
        try:
            value = super().to_internal_value(data)
        except serializers.ValidationError as exc:
            if not isinstance(exc.detail, dict):
                raise
            errors = {**exc.detail, **errors}
            raise serializers.ValidationError(errors) from None
        if errors:
            raise serializers.ValidationError(errors)
        return value


def validate_api_url(value: str) -> str:
    """Refuse URLs an integration must not reach (see integrations.url_guard)."""
    try:
        url_guard.check_url(value)
    except url_guard.UnsafeURLError as exc:
        raise serializers.ValidationError(str(exc)) from None
    return value.rstrip("/")


def _unique(values: list[str], what: str) -> list[str]:
    duplicates = sorted({value for value in values if values.count(value) > 1})
    if duplicates:
        raise serializers.ValidationError(f"Each {what} may appear once: {', '.join(duplicates)}.")
    return values


def _category_mapping(help_text: str) -> serializers.DictField:
    return serializers.DictField(
        child=serializers.ChoiceField(choices=CATEGORIES),
        required=False,
        default=dict,
        help_text=help_text,
    )


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
        child=StrictCharField(max_length=100),
        required=False,
        default=lambda: ["production"],
        help_text="Deployment environments that count (deployments source).",
    )
    deployment_workflow_pattern = StrictCharField(
        required=False,
        default="",
        allow_blank=True,
        max_length=200,
        help_text="Regular expression on workflow names (workflow_runs source), e.g. ^deploy.",
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
        return _unique(value, "repository")

    def validate_deployment_workflow_pattern(self, value: str) -> str:
        try:
            re.compile(value)
        except re.error as exc:
            raise serializers.ValidationError(f"Not a valid regular expression: {exc}.") from None
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
    status_mapping = _category_mapping(
        "Status name to category (todo, in_progress, done); Jira's own categories otherwise."
    )

    def validate_site_url(self, value: str) -> str:
        return validate_api_url(value)

    def validate_project_keys(self, value: list[str]) -> list[str]:
        return _unique(value, "project key")

    def validate(self, attrs: dict) -> dict:
        if attrs.get("board_id") is None and not attrs["project_keys"]:
            raise serializers.ValidationError(
                {"project_keys": ["Give a board_id or at least one project key."]}
            )
        return attrs


class TrelloConfigSerializer(StrictSerializer):
    """Which Trello boards to read and how lists map to categories."""

    api_url = serializers.URLField(
        required=False, default="https://api.trello.com/1", help_text="Trello REST API root."
    )
    board_ids = serializers.ListField(
        child=serializers.RegexField(
            r"^(?:[0-9a-fA-F]{24}|[A-Za-z0-9]{8})$",
            error_messages={
                "invalid": "Board ids are 24 hex characters (or an 8-character short link)."
            },
        ),
        allow_empty=False,
        max_length=100,
        help_text="Board ids (24 hex characters) or short links (8 characters).",
    )
    list_mapping = _category_mapping(
        "List name to category (todo, in_progress, done); guessed from list names otherwise."
    )

    def validate_api_url(self, value: str) -> str:
        return validate_api_url(value)

    def validate_board_ids(self, value: list[str]) -> list[str]:
        return _unique(value, "board id")


class GitHubCredentialsSerializer(StrictSerializer):
    token = StrictCharField(
        write_only=True, help_text="Personal access token or GitHub App installation token."
    )
    webhook_secret = StrictCharField(
        write_only=True,
        required=False,
        help_text="Optional: the secret webhooks are signed with (enables /webhooks/...).",
    )


class JiraCredentialsSerializer(StrictSerializer):
    email = serializers.EmailField(write_only=True, help_text="Atlassian account email.")
    api_token = StrictCharField(write_only=True, help_text="Atlassian API token.")
    webhook_secret = StrictCharField(
        write_only=True,
        required=False,
        help_text="Optional: the secret webhooks are signed with (enables /webhooks/...).",
    )


class TrelloCredentialsSerializer(StrictSerializer):
    key = StrictCharField(write_only=True, help_text="Trello API key.")
    token = StrictCharField(write_only=True, help_text="Trello member token.")
    webhook_secret = StrictCharField(
        write_only=True,
        required=False,
        help_text="Optional: your Trello application secret, which signs webhook calls.",
    )


CONFIG_SERIALIZERS: dict[str, type[StrictSerializer]] = {
    "github": GitHubConfigSerializer,
    "jira": JiraConfigSerializer,
    "trello": TrelloConfigSerializer,
}
CREDENTIALS_SERIALIZERS: dict[str, type[StrictSerializer]] = {
    "github": GitHubCredentialsSerializer,
    "jira": JiraCredentialsSerializer,
    "trello": TrelloCredentialsSerializer,
}


def _validate(serializers_by_kind: dict, kind: str, data: Any) -> dict:
    if kind not in serializers_by_kind:
        raise serializers.ValidationError({"kind": [f"Unknown kind {kind!r}."]})
    serializer = serializers_by_kind[kind](data=data)
    serializer.is_valid(raise_exception=True)
    return dict(serializer.validated_data)


def clean_config(kind: str, config: Any) -> dict:
    """Validate a config for `kind`; return it with defaults filled, or raise per-field errors."""
    return _validate(CONFIG_SERIALIZERS, kind, config)


def clean_credentials(kind: str, credentials: Any) -> dict:
    """Validate credentials for `kind`; error messages never repeat the submitted values."""
    return _validate(CREDENTIALS_SERIALIZERS, kind, credentials)
