"""The provider error family: every failure of a provider call is one of these, and no other
exception escapes a client. Each says whether trying again later can help."""

from __future__ import annotations

from typing import ClassVar


class ProviderError(Exception):
    """A provider call failed. `retryable` says whether trying again later can help."""

    category: ClassVar[str] = "error"
    retryable: ClassVar[bool] = False

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class ConfigurationError(ProviderError):
    """The integration's settings are wrong (bad URL, unknown repository field, removed API)."""

    category = "config"


class AuthenticationError(ProviderError):
    """The credentials were refused or lack a permission."""

    category = "auth"


class NotFoundError(ProviderError):
    """A configured repository, project or board does not exist or is not visible."""

    category = "not_found"


class RateLimitedError(ProviderError):
    """The provider's rate limit is spent; `retry_after` seconds until it resets."""

    category = "rate_limited"
    retryable = True

    def __init__(self, message: str, retry_after: float) -> None:
        super().__init__(message)
        self.retry_after = max(0.0, retry_after)


class TransientError(ProviderError):
    """A timeout, dropped connection or 5xx: the same call may well succeed later."""

    category = "transient"
    retryable = True


class MalformedResponseError(ProviderError):
    """The provider answered with something we cannot parse (bad JSON, missing fields)."""

    category = "malformed"
