"""The demo's working agreements, as `seed_demo` creates them: three rules and one Slack channel
on the sandbox, made once however often the demo is seeded. After the first sync, evaluating
them opens one alert (the broken rule) and its message reaches the sandbox's Slack stand-in."""

from __future__ import annotations

import pytest
import requests
from django.contrib.auth import get_user_model
from django.core.management import call_command

from agreements import delivery, services
from agreements.channels import channel_secrets
from agreements.models import Alert, Channel, Delivery, WorkingAgreement
from integrations import sync
from integrations.models import Integration, SyncRun, Team
from tests.sandbox_server import start_sandbox, stop_sandbox

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo_sandbox(tmp_path):
    box = start_sandbox("--seed", "1", "--now-file", str(tmp_path / "sandbox-now"))
    yield box
    stop_sandbox(box)


def test_the_demo_gets_three_agreements_once_and_its_broken_one_alerts_slack(
    demo_sandbox, settings, tmp_path
):
    host = demo_sandbox.base.removeprefix("http://")
    settings.AGILETRACK_ALLOWED_API_HOSTS = [host]
    settings.VAR_DIR = tmp_path  # seed_demo reads the sandbox's clock from VAR_DIR/sandbox-now
    get_user_model().objects.create_superuser("admin", "admin@localhost", "pw")
    port = host.rsplit(":", 1)[1]
    call_command("seed_demo", "--sandbox-port", port, "--seed", "1")
    call_command("seed_demo", "--sandbox-port", port, "--seed", "1")

    team = Team.objects.get(slug="demo")
    assert WorkingAgreement.objects.filter(team=team).count() == 3
    channel = Channel.objects.get()
    assert channel.kind == "slack" and channel.url_hint == "http://127.0.0.1/…"
    assert channel_secrets(channel)["url"] == (
        f"{demo_sandbox.base}/services/T0000DEMO/B0000DEMO/demo-token"
    )
    assert all(a.channels.get() == channel for a in WorkingAgreement.objects.all())
    assert not Alert.objects.exists()  # no alert is seeded: it comes from an evaluation

    for integration in Integration.objects.filter(team=team):
        queued = integration.sync_runs.get(trigger=SyncRun.Trigger.INITIAL)
        assert sync.sync_integration(integration.pk, "initial", queued.pk).run.status == "succeeded"
    summary = services.evaluate_agreements(team.pk)
    assert summary == {"evaluated": 3, "breached": 1, "failed": 0, "deferred": 0}
    alert = Alert.objects.get()
    assert alert.agreement.metric == "change_failure_rate" and alert.value > 15

    requests.delete(f"{demo_sandbox.base}/_sandbox/slack/messages", timeout=5)
    assert delivery.send_due() == 1
    assert Delivery.objects.get().status == "delivered"
    got = requests.get(f"{demo_sandbox.base}/_sandbox/slack/messages", timeout=5).json()
    assert len(got["messages"]) == 1
    assert "Change failure rate at most 15 %" in str(got["messages"][0]["message"])
    # A second evaluation sends nothing new.
    services.evaluate_agreements(team.pk)
    assert delivery.send_due() == 0 and Delivery.objects.count() == 1
