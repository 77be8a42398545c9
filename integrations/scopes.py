"""What an integration's credentials can read, for the integration form's pickers.

The API address is checked by the provider's config serializer field (format and the outbound
URL guard) and is the only setting the client gets; the client is bounded in time like a
connection test, as a person waits for it; every failure becomes one sentence in plain words.
Credentials left empty are taken from a stored integration only while the address is the origin
they were entered for (see integrations/credentials.py), and no answer ever repeats them.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from rest_framework import serializers

from integrations import config as integration_config
from integrations.credentials import origin_of, unseal
from integrations.crypto import CredentialsError
from integrations.models import Integration
from integrations.providers import registry
from integrations.providers.errors import ProviderError
from integrations.providers.http import options_from_settings
from integrations.providers.records import ScopePage
from integrations.providers.spec import ProviderSpec

MAX_QUERY = 100
MAX_CURSOR = 100


class ScopeListError(Exception):
    """Listing failed; `message` says why in words the person at the form can act on."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def list_scopes_asked(asked: dict[str, Any], integration: Integration | None) -> ScopePage:
    """list_scopes for a picker request already validated (ScopeRequestSerializer)."""
    return list_scopes(
        kind=asked["kind"],
        config=asked["config"],
        credentials=asked["credentials"],
        query=asked["query"],
        cursor=asked["cursor"],
        integration=integration,
    )


def list_scopes(
    *,
    kind: str,
    config: dict[str, Any],
    credentials: dict[str, Any],
    query: str = "",
    cursor: str | None = None,
    integration: Integration | None = None,
) -> ScopePage:
    """The repositories or boards the credentials can read, matching `query`, from `cursor`;
    credentials left empty come from `integration` when its API address is the same origin."""
    spec = registry.get(kind)
    if spec is None or not spec.scope_setting:
        raise ScopeListError("This kind of integration has nothing to choose from.")
    if len(query) > MAX_QUERY or len(cursor or "") > MAX_CURSOR:
        raise ScopeListError(f"Search for at most {MAX_QUERY} characters.")
    api_config = {spec.api_url_setting: _api_url(spec, config)}
    secrets = _credentials(spec, api_config, credentials, integration)
    # Bounded in time: it runs in the web process, while a person waits.
    options = options_from_settings(
        deadline_seconds=settings.AGILETRACK_TEST_CONNECTION_SECONDS,
        transient_retries=0,
        max_inline_wait=0,
    )
    try:
        provider = registry.build_provider(kind, api_config, secrets, options=options)
    except ProviderError as exc:
        raise ScopeListError(exc.message) from None
    try:
        return provider.list_scopes(query.strip(), cursor or None)
    except ProviderError as exc:
        raise ScopeListError(exc.message) from None
    finally:
        provider.close()


def _first_error(exc: serializers.ValidationError) -> str:
    detail: Any = exc.detail
    while isinstance(detail, (dict, list)) and detail:
        detail = next(iter(detail.values())) if isinstance(detail, dict) else detail[0]
    return str(detail)


def _api_url(spec: ProviderSpec, config: dict[str, Any]) -> str:
    """The API address from `config`, or the provider's default, checked as the form checks it."""
    name = spec.api_url_setting
    form = spec.config_serializer()
    value = config.get(name)
    try:
        given = value if value not in (None, "") else serializers.empty  # empty: the default
        url = form.fields[name].run_validation(given)
        url = getattr(form, f"validate_{name}", lambda v: v)(url)
    except serializers.ValidationError as exc:
        raise ScopeListError(f"The API address ({name}): {_first_error(exc)}") from None
    return str(url)


def _credentials(
    spec: ProviderSpec,
    api_config: dict[str, str],
    credentials: dict[str, Any],
    integration: Integration | None,
) -> dict[str, str]:
    needed = spec.required_credentials()
    given = {
        name: value
        for name, value in credentials.items()
        if name in needed and isinstance(value, str) and value.strip()
    }
    missing = [name for name in needed if name not in given]
    if missing and integration is not None:
        given = {**_stored(spec, api_config, integration), **given}
        missing = [name for name in needed if name not in given]
    if missing:
        labels = spec.credential_fields()
        names = ", ".join(str(labels[name].label or name) for name in missing)
        raise ScopeListError(f"Enter the {names} first.")
    try:
        return integration_config.clean_credentials(spec.kind, given)
    except serializers.ValidationError as exc:
        raise ScopeListError(f"Check the credentials: {_first_error(exc)}") from None


def _stored(spec: ProviderSpec, api_config: dict[str, str], integration: Integration) -> dict:
    """The integration's stored credentials, only for the origin they were entered for."""
    if integration.kind != spec.kind:
        raise ScopeListError(f"That integration is not a {spec.label} integration.")
    wanted = origin_of(spec.kind, api_config)
    stored_for = origin_of(integration.kind, integration.config)
    if wanted != stored_for:
        raise ScopeListError(
            f"The stored credentials are only sent to {stored_for}, the address they were "
            f"entered for: enter them again to list what {wanted} has."
        )
    try:
        stored = unseal(integration)
    except CredentialsError as exc:
        raise ScopeListError(str(exc)) from None
    return {name: value for name, value in stored.items() if name in spec.required_credentials()}
