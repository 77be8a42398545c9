"""Sending one message to one channel: Slack (incoming webhook), email (Django's mail backend)
and a signed JSON webhook. HTTP goes through the outbound guard with timeouts and a capped read.

A sender raises SendError on failure: its text never holds the channel's URL or secret, and
it says whether trying again can help (`permanent`) and how long a 429 asked to wait.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import smtplib
from collections.abc import Callable

import requests
from django.core.mail import EmailMessage

from agreements.models import Channel, Delivery
from integrations import url_guard
from integrations.providers.http import retry_after_of
from integrations.providers.outbound import session_for

TIMEOUT = (5.0, 15.0)  # connect, read (seconds)
MAX_ANSWER_BYTES = 64 * 1024
USER_AGENT = "AgileTrack-Alerts/1"
# Answers that say the target is gone or refuses us: trying again cannot help.
PERMANENT_STATUSES = {400, 401, 403, 404, 405, 410, 413, 422}


class SendError(Exception):
    """A delivery attempt failed; `message` is safe to store and show."""

    def __init__(
        self,
        message: str,
        *,
        permanent: bool = False,
        retry_after: float | None = None,
        status: int | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.status = status  # the HTTP status answered, if any
        self.permanent = permanent
        self.retry_after = retry_after


def scrub(text: str, *secrets: str) -> str:
    """`text` without any of the secrets (a URL, its path, a signing secret)."""
    for secret in sorted((s for s in secrets if s and len(s) >= 4), key=len, reverse=True):
        text = text.replace(secret, "…")
    return text


def body_bytes(payload: dict) -> bytes:
    """The exact bytes sent (and signed) for a JSON payload."""
    return json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode()


def signature(secret: str, body: bytes) -> str:
    """The X-AgileTrack-Signature value: sha256=<hex HMAC-SHA256 of the body>."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def post_json(url: str, body: bytes, headers: dict[str, str], service: str) -> tuple[int, str]:
    """POST the body through the outbound guard; (status, the start of the answer's text)."""
    try:
        url_guard.check_url(url)
    except url_guard.UnsafeURLError as exc:
        raise SendError(f"The {service} URL is refused: {exc}", permanent=True) from None
    session = session_for(url, TIMEOUT)
    try:
        # API: https://api.slack.com/messaging/webhooks (Slack); the receiver's own (webhook)
        response = session.post(
            url,
            data=body,
            headers={"Content-Type": "application/json", "User-Agent": USER_AGENT, **headers},
            timeout=TIMEOUT,
            allow_redirects=False,
            stream=True,
        )
        try:
            answer = response.raw.read(MAX_ANSWER_BYTES, decode_content=True) or b""
        finally:
            response.close()
    except requests.Timeout:
        raise SendError(f"{service} did not answer in time.") from None
    except requests.RequestException as exc:
        raise SendError(f"{service} could not be reached ({type(exc).__name__}).") from None
    finally:
        session.close()
    text = answer.decode("utf-8", errors="replace").strip()
    if response.status_code == 429:
        raise SendError(
            f"{service} answered 429 (rate limited).",
            retry_after=retry_after_of(response, 60),
            status=429,
        )
    if not 200 <= response.status_code < 300:
        raise SendError(
            f"{service} answered {response.status_code}: {text[:200] or '(no body)'}",
            permanent=response.status_code in PERMANENT_STATUSES,
            status=response.status_code,
        )
    return response.status_code, text


def send_slack(delivery: Delivery, secrets: dict[str, str]) -> None:
    """POST the Block Kit message to the incoming webhook."""
    url = secrets.get("url", "")
    _guarded(lambda: post_json(url, body_bytes(delivery.payload), {}, "Slack"), url)


def send_webhook(delivery: Delivery, secrets: dict[str, str]) -> None:
    """POST the JSON body, signed with the channel's secret, with the idempotency key."""
    url, secret = secrets.get("url", ""), secrets.get("secret", "")
    body = body_bytes(delivery.payload)
    headers = {
        "Idempotency-Key": delivery.idempotency_key,
        "X-AgileTrack-Signature": signature(secret, body),
        "X-AgileTrack-Event": str(delivery.payload.get("event", delivery.kind)),
    }
    _guarded(lambda: post_json(url, body, headers, "The webhook"), url, secret)


def send_email(delivery: Delivery, secrets: dict[str, str]) -> None:
    """Send the subject and body to the channel's address with Django's email backend."""
    message = EmailMessage(
        subject=delivery.payload.get("subject", ""),
        body=delivery.payload.get("body", ""),
        to=[delivery.channel.address],
        headers={"X-AgileTrack-Delivery": delivery.idempotency_key},
    )
    try:
        message.send(fail_silently=False)
    except (smtplib.SMTPException, OSError) as exc:
        raise SendError(
            f"The mail server refused or failed ({type(exc).__name__}: {exc})"[:300]
        ) from None


def _guarded(send, url: str, secret: str = "") -> None:
    """Run a send; any error's text is scrubbed of the URL, its path and the secret."""
    path = url.split("://", 1)[-1].partition("/")[2]
    try:
        send()
    except SendError as exc:
        exc.message = scrub(exc.message, url, path and "/" + path, secret)
        raise


SENDERS: dict[str, Callable[[Delivery, dict[str, str]], None]] = {
    Channel.Kind.SLACK: send_slack,
    Channel.Kind.EMAIL: send_email,
    Channel.Kind.WEBHOOK: send_webhook,
}
