"""Test before save: the checks a sync starts with (credentials accepted, each configured
repository, board or project visible), run on settings and credentials not stored yet, bounded in
time. Called by the page form and the API's dry run, never by the services that store (the demo
seeds integrations before its sandbox is up)."""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from rest_framework import serializers

from integrations import config as integration_config
from integrations.providers.errors import ProviderError
from integrations.providers.http import options_from_settings
from integrations.providers.registry import build_provider

# The provider could not answer now (timeouts, 5xx, rate limits): saving anyway is the user's call.
UNAVAILABLE = frozenset({"transient", "rate_limited"})


@dataclass(frozen=True)
class Preflight:
    """What the check found: ok, or why not, as a provider error category."""

    ok: bool
    message: str
    error: str = ""

    @property
    def unavailable(self) -> bool:
        """The provider did not answer in time or failed on its side: it may work later."""
        return not self.ok and self.error in UNAVAILABLE

    @property
    def refuses_save(self) -> bool:
        """Rejected credentials, unknown repositories or boards: saving would only fail later."""
        return not self.ok and not self.unavailable

    def as_dict(self) -> dict:
        return {
            "ok": self.ok,
            "message": self.message,
            "error": self.error,
            "save_refused": self.refuses_save,
            "provider_unavailable": self.unavailable,
        }


def check_before_save(kind: str, config: dict, credentials: dict) -> Preflight:
    """Validate settings and credentials as the services do (errors keyed "config" and
    "credentials"), then run the provider's connection check on them."""
    options = options_from_settings(
        deadline_seconds=settings.AGILETRACK_TEST_CONNECTION_SECONDS,
        transient_retries=0,
        max_inline_wait=0,
    )
    try:
        cleaned_config = integration_config.clean_config(kind, config)
    except serializers.ValidationError as exc:
        raise serializers.ValidationError({"config": exc.detail}) from None
    try:
        cleaned_credentials = integration_config.clean_credentials(kind, credentials)
    except serializers.ValidationError as exc:
        raise serializers.ValidationError({"credentials": exc.detail}) from None
    provider = build_provider(kind, cleaned_config, cleaned_credentials, options=options)
    try:
        check = provider.check_connection()
    except ProviderError as exc:
        return Preflight(False, exc.message, exc.category)
    finally:
        provider.close()
    if check.ok:
        return Preflight(True, check.message)
    return Preflight(False, check.message, check.error or "config")
