"""Validation of an integration's config and credentials by its provider's schemas (see
integrations/providers/<kind>/config.py): the one place the API, the admin, the page form and the
sync check them."""

from typing import Any

from rest_framework import serializers

from integrations.providers import registry


def _validate(kind: str, data: Any, credentials: bool) -> dict:
    spec = registry.get(kind)
    if spec is None:
        raise serializers.ValidationError({"kind": [f"Unknown kind {kind!r}."]})
    schema = spec.credentials_serializer if credentials else spec.config_serializer
    serializer = schema(data=data)
    serializer.is_valid(raise_exception=True)
    return dict(serializer.validated_data)


def clean_config(kind: str, config: Any) -> dict:
    """Validate a config for `kind`; return it with defaults filled, or raise per-field errors."""
    return _validate(kind, config, credentials=False)


def clean_credentials(kind: str, credentials: Any) -> dict:
    """Validate credentials for `kind`; error messages never repeat the submitted values."""
    return _validate(kind, credentials, credentials=True)
