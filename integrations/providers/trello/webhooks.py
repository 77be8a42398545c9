"""Trello webhook calls: the signature check over the body and the callback URL, and the
delivery id (the action's id)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json

from django.http import HttpRequest


def signature_ok(secret: str, request: HttpRequest) -> bool:
    """X-Trello-Webhook: base64 HMAC-SHA1 of the body followed by the exact callback URL."""
    given = request.headers.get("X-Trello-Webhook", "")
    payload = request.body + request.build_absolute_uri().encode()
    digest = hmac.new(secret.encode(), payload, hashlib.sha1).digest()
    # Bytes: compare_digest refuses str with non-ASCII characters (a header can carry them).
    return hmac.compare_digest(given.encode("utf-8", "replace"), base64.b64encode(digest))


def delivery_id(request: HttpRequest) -> str:
    """The id of the action the call reports ({"action": {"id": ...}, "model": ...}); Trello sends
    no delivery header, and a retry carries the same action."""
    try:
        body = json.loads(request.body)
    except ValueError:
        return ""
    action = body.get("action") if isinstance(body, dict) else None
    action_id = action.get("id") if isinstance(action, dict) else None
    return action_id if isinstance(action_id, str) else ""
