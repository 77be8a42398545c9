"""Jira Cloud admin webhooks registered with a secret: the signature check."""

from __future__ import annotations

import hashlib
import hmac

from django.http import HttpRequest


def signature_ok(secret: str, request: HttpRequest) -> bool:
    """X-Hub-Signature: sha256=<hex HMAC-SHA256 of the body> (WebSub)."""
    given = request.headers.get("X-Hub-Signature", "")
    expected = "sha256=" + hmac.new(secret.encode(), request.body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(given, expected)
