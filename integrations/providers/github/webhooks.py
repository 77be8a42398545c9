"""GitHub webhook deliveries: the signature check, the delivery id and the ping a new webhook
sends."""

from __future__ import annotations

import hashlib
import hmac

from django.http import HttpRequest


def signature_ok(secret: str, request: HttpRequest) -> bool:
    """X-Hub-Signature-256: sha256=<hex HMAC-SHA256 of the body>."""
    given = request.headers.get("X-Hub-Signature-256", "")
    expected = "sha256=" + hmac.new(secret.encode(), request.body, hashlib.sha256).hexdigest()
    # Bytes: compare_digest refuses str with non-ASCII characters (a header can carry them).
    return hmac.compare_digest(given.encode("utf-8", "replace"), expected.encode())


def delivery_id(request: HttpRequest) -> str:
    """X-GitHub-Delivery: a GUID per delivery, the same when it is redelivered."""
    return request.headers.get("X-GitHub-Delivery", "")


def is_ping(request: HttpRequest) -> bool:
    return request.headers.get("X-GitHub-Event") == "ping"
