"""What a Trello integration is configured with: its settings and its credentials."""

from __future__ import annotations

from rest_framework import serializers

from integrations.providers.schema import (
    StrictCharField,
    StrictSerializer,
    category_mapping,
    unique,
    validate_api_url,
)


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
    list_mapping = category_mapping(
        "List name to category (todo, in_progress, done); guessed from list names otherwise."
    )

    def validate_api_url(self, value: str) -> str:
        return validate_api_url(value)

    def validate_board_ids(self, value: list[str]) -> list[str]:
        return unique(value, "board id")


class TrelloCredentialsSerializer(StrictSerializer):
    key = StrictCharField(write_only=True, label="Trello API key", help_text="Trello API key.")
    token = StrictCharField(write_only=True, label="Token", help_text="Trello member token.")
    webhook_secret = StrictCharField(
        write_only=True,
        required=False,
        label="Webhook secret (optional)",
        help_text="Optional: your Trello application secret, which signs webhook calls.",
    )
