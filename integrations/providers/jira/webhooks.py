"""Jira Cloud admin webhooks registered with a secret: the signature check and the delivery id."""

from __future__ import annotations

import hashlib
import hmac

from django.http import HttpRequest


def signature_ok(secret: str, request: HttpRequest) -> bool:
    """X-Hub-Signature: sha256=<hex HMAC-SHA256 of the body> (WebSub)."""
    given = request.headers.get("X-Hub-Signature", "")
    expected = "sha256=" + hmac.new(secret.encode(), request.body, hashlib.sha256).hexdigest()
    # Bytes: compare_digest refuses str with non-ASCII characters (a header can carry them).
    return hmac.compare_digest(given.encode("utf-8", "replace"), expected.encode())


def delivery_id(request: HttpRequest) -> str:
    """X-Atlassian-Webhook-Identifier: unique within the site, unchanged across Jira's retries."""
    return request.headers.get("X-Atlassian-Webhook-Identifier", "")
