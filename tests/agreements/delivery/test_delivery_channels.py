"""A Slack channel is saved only when its incoming webhook is live (checked on the sandbox)."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from agreements.channels import channel_secrets, save_channel
from agreements.models import Channel
from tests.agreements.delivery.conftest import SLACK_HOOK

pytestmark = pytest.mark.django_db


def test_a_slack_url_that_answers_404_is_refused_with_a_clear_message(receiver, alert_team):
    with pytest.raises(ValidationError) as refused:
        save_channel(alert_team, "slack", url=receiver.base + "/services/T1/B1/revoked")

    assert refused.value.message_dict == {
        "url": ["Slack answered 404: this incoming webhook does not exist (revoked or mistyped)."]
    }
    assert not Channel.objects.exists()


def test_a_live_slack_hook_is_saved_without_posting_anything(receiver, alert_team):
    before = receiver.get("/_sandbox/slack/messages").json()["messages"]

    channel = save_channel(alert_team, "slack", url=receiver.base + SLACK_HOOK)

    assert channel_secrets(channel)["url"] == receiver.base + SLACK_HOOK
    assert channel.url_hint == "http://127.0.0.1/…"
    assert receiver.get("/_sandbox/slack/messages").json()["messages"] == before


def test_a_slack_url_nobody_answers_is_refused(alert_team):
    with pytest.raises(ValidationError) as refused:
        save_channel(alert_team, "slack", url="http://127.0.0.1:1/services/T/B/x")

    assert "Slack could not check this webhook" in refused.value.message_dict["url"][0]
    assert not Channel.objects.exists()


def test_webhook_urls_are_not_posted_to_when_saved(receiver, alert_team):
    channel = save_channel(alert_team, "webhook", url=receiver.base + "/hooks/on-save", secret="x")

    assert channel.pk
    assert receiver.get("/_sandbox/hooks/on-save").json()["attempts"] == 0
