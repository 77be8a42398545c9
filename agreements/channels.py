"""Channels: saving one (its URL through the outbound guard, its secrets encrypted) and reading
its secrets back for a delivery. Secrets never leave this module except to the sender."""

from __future__ import annotations

from urllib.parse import urlsplit

from django.core.exceptions import ValidationError
from django.core.validators import validate_email

from agreements.models import Channel
from agreements.senders import SendError, body_bytes, post_json
from integrations import url_guard
from integrations.crypto import decrypt_credentials, encrypt_credentials
from integrations.models import Team

SECRET_MAX = 500


def url_hint(url: str) -> str:
    """What may be shown of a secret URL: its scheme and host."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.hostname}/…" if parts.hostname else ""


def check_channel_input(kind: str, *, url: str = "", address: str = "", secret: str = "") -> None:
    """Raise ValidationError (messages per field) unless the input makes a channel of `kind`:
    Slack and webhook need a URL that passes the outbound guard, email an address."""
    if kind not in Channel.Kind.values:
        raise ValidationError({"kind": f"Choose one of {', '.join(Channel.Kind.values)}."})
    if kind == Channel.Kind.EMAIL:
        if not address:
            raise ValidationError({"address": "An email channel needs an address."})
        try:
            validate_email(address)
        except ValidationError:
            raise ValidationError({"address": "Enter a valid email address."}) from None
        return
    if not url:
        raise ValidationError({"url": f"A {kind} channel needs a URL."})
    if len(url) > 2000 or len(secret) > SECRET_MAX:
        raise ValidationError({"url": "The URL or secret is too long."})
    try:
        url_guard.check_url(url)
    except url_guard.UnsafeURLError as exc:
        raise ValidationError({"url": str(exc)}) from None
    if kind == Channel.Kind.SLACK:
        check_slack_hook(url)


# Slack's answers for a hook that is gone: revoked, its channel archived, or mistyped.
DEAD_HOOK_STATUSES = {403, 404, 410}


def check_slack_hook(url: str) -> None:
    """Raise ValidationError unless the incoming webhook is live. `{}` is posted: Slack answers
    400 invalid_payload for a live hook without posting anything, 404/403/410 for a dead one."""
    try:
        post_json(url, body_bytes({}), {}, "Slack")
    except SendError as exc:
        if exc.status in DEAD_HOOK_STATUSES:
            raise ValidationError(
                {
                    "url": f"Slack answered {exc.status}: this incoming webhook does not exist "
                    "(revoked or mistyped)."
                }
            ) from None
        if exc.status == 400:
            return  # invalid_payload: the hook is live
        raise ValidationError(
            {"url": f"Slack could not check this webhook: {exc.message}"}
        ) from None


def save_channel(
    team: Team, kind: str, *, url: str = "", address: str = "", secret: str = ""
) -> Channel:
    """The team's channel for this input: an existing one with the same kind and target is
    reused (its secret updated when one is given), else a new one. Checks the input first."""
    check_channel_input(kind, url=url, address=address, secret=secret)
    if kind == Channel.Kind.EMAIL:
        channel, _ = Channel.objects.get_or_create(team=team, kind=kind, address=address)
        return channel
    for channel in Channel.objects.filter(team=team, kind=kind):
        stored = channel_secrets(channel)
        if stored.get("url") == url:
            if secret and stored.get("secret") != secret:
                set_secrets(channel, url, secret)
            return channel
    channel = Channel(team=team, kind=kind)
    set_secrets(channel, url, secret)
    return channel


def set_secrets(channel: Channel, url: str, secret: str = "") -> None:
    """Store the channel's URL and secret encrypted, with the hint users may see; saves."""
    channel.secrets_encrypted = encrypt_credentials({"url": url, "secret": secret})
    channel.url_hint = url_hint(url)
    channel.save()


def channel_secrets(channel: Channel) -> dict[str, str]:
    """{"url", "secret"} of a Slack or webhook channel ({} for email)."""
    if not channel.secrets_encrypted:
        return {}
    return decrypt_credentials(channel.secrets_encrypted)
