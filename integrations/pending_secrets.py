"""Secrets typed into a form whose save failed, kept so the user need not type them again.

Kept server-side only: encrypted with the credential keys in the cache, for PENDING_SECONDS,
bound to the user, to one form (a random token in the page, which says nothing of the secret)
and to the origin of the API address they were typed for. A different user, form or host finds
nothing; a change of host drops them. Never in HTML, a hidden input, the session or a log.
"""

from __future__ import annotations

import hashlib
import json
import secrets

from django.core.cache import cache

from integrations import crypto
from integrations.crypto import CredentialsError

PENDING_SECONDS = 10 * 60


def new_token() -> str:
    """An id for one form on one page (carried in a hidden input; it holds no secret)."""
    return secrets.token_urlsafe(18)


def _key(user_id: int, token: str) -> str:
    digest = hashlib.sha256(f"{user_id}:{token}".encode()).hexdigest()
    return f"agiletrack:pending-secrets:{digest}"


def keep(user_id: int, token: str, kind: str, origin: str, typed: dict[str, str]) -> None:
    """Remember the secrets typed into a form whose save failed (merged with earlier ones)."""
    if not token or not typed:
        return
    kept = {**recall(user_id, token, kind, origin), **typed}
    sealed = crypto.encrypt_credentials(
        {"kind": kind, "origin": origin, "secrets": json.dumps(kept)}
    )
    cache.set(_key(user_id, token), sealed, PENDING_SECONDS)


def recall(user_id: int, token: str, kind: str, origin: str) -> dict[str, str]:
    """The secrets kept for this user, form, kind and origin; none after a change of host."""
    if not token:
        return {}
    sealed = cache.get(_key(user_id, token))
    if not sealed:
        return {}
    try:
        kept = crypto.decrypt_credentials(sealed)
    except CredentialsError:
        return {}
    if kept.get("kind") != kind or kept.get("origin") != origin:
        forget(user_id, token)
        return {}
    return dict(json.loads(kept.get("secrets") or "{}"))


def forget(user_id: int, token: str) -> None:
    if token:
        cache.delete(_key(user_id, token))
