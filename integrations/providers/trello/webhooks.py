"""Trello webhook calls: the signature check over the body and the callback URL."""

from __future__ import annotations

import base64
import hashlib
import hmac

from django.http import HttpRequest


def signature_ok(secret: str, request: HttpRequest) -> bool:
    """X-Trello-Webhook: base64 HMAC-SHA1 of the body followed by the exact callback URL."""
    given = request.headers.get("X-Trello-Webhook", "")
    payload = request.body + request.build_absolute_uri().encode()
    digest = hmac.new(secret.encode(), payload, hashlib.sha1).digest()
    return hmac.compare_digest(given, base64.b64encode(digest).decode())
