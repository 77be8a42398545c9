"""Building blocks of the providers' config and credential schemas: strict fields that refuse
unknown keys and wrong types, the outbound URL check, and the status category mapping."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from integrations import url_guard
from integrations.providers.records import STATUS_CATEGORIES


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


def unique(values: list[str], what: str) -> list[str]:
    duplicates = sorted({value for value in values if values.count(value) > 1})
    if duplicates:
        raise serializers.ValidationError(f"Each {what} may appear once: {', '.join(duplicates)}.")
    return values


def category_mapping(help_text: str) -> serializers.DictField:
    return serializers.DictField(
        child=serializers.ChoiceField(choices=STATUS_CATEGORIES),
        required=False,
        default=dict,
        help_text=help_text,
    )
