"""Credentials bound to the host they were entered for: sealed together with that origin (scheme,
host and port of the integration's API address) in the encrypted blob, and unsealed only while
the integration still points at the same origin. A change of host needs the credentials again."""

from __future__ import annotations

from urllib.parse import urlsplit

from integrations import crypto
from integrations.crypto import CredentialsError
from integrations.models import Integration
from integrations.providers import registry

ORIGIN_KEY = "_origin"


def origin_of(kind: str, config: dict) -> str:
    """scheme://host:port of the API address in a (cleaned) config."""
    spec = registry.get(kind)
    url = str(config.get(spec.api_url_setting) or "") if spec else ""
    parts = urlsplit(url)
    port = parts.port or (443 if parts.scheme == "https" else 80)
    return f"{parts.scheme}://{(parts.hostname or '').lower()}:{port}"


def seal(credentials: dict, kind: str, config: dict) -> str:
    """Encrypt credentials together with the origin they are for."""
    return crypto.encrypt_credentials({**credentials, ORIGIN_KEY: origin_of(kind, config)})


def unseal(integration: Integration) -> dict[str, str]:
    """The stored credentials, only for the origin the integration points at now."""
    stored = crypto.decrypt_credentials(integration.credentials_encrypted)
    bound = stored.pop(ORIGIN_KEY, None)
    current = origin_of(integration.kind, integration.config)
    if bound is not None and bound != current:
        raise CredentialsError(
            f"The stored credentials were entered for {bound}, not {current}: enter them again."
        )
    return stored
