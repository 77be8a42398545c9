"""The demo's three integrations, as `seed_demo` creates them, sync and then re-sync cleanly.

The re-sync is the run the demo makes every hour: Jira then narrows its board-and-project scope
by `updated`, a parenthesised JQL group that the sandbox must read as Jira Cloud does.
"""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command

from integrations import sync
from integrations.models import Integration, SyncRun
from tests.sandbox_server import start_sandbox, stop_sandbox


@pytest.fixture
def demo_sandbox(tmp_path):
    box = start_sandbox("--seed", "1", "--now-file", str(tmp_path / "sandbox-now"))
    yield box
    stop_sandbox(box)


@pytest.mark.django_db
def test_each_demo_integration_syncs_and_then_resyncs(demo_sandbox, settings, tmp_path):
    host = demo_sandbox.base.removeprefix("http://")
    settings.AGILETRACK_ALLOWED_API_HOSTS = [host]
    settings.VAR_DIR = tmp_path  # seed_demo reads the sandbox's clock from VAR_DIR/sandbox-now
    get_user_model().objects.create_superuser("admin", "admin@localhost", "pw")
    call_command("seed_demo", "--sandbox-port", host.rsplit(":", 1)[1], "--seed", "1")

    integrations = Integration.objects.order_by("kind")
    assert [i.kind for i in integrations] == ["github", "jira", "trello"]
    jira = integrations.get(kind="jira")
    assert jira.config["board_id"] and jira.config["project_keys"]
    for integration in integrations:
        queued = integration.sync_runs.get(trigger=SyncRun.Trigger.INITIAL)
        first = sync.sync_integration(integration.pk, "initial", queued.pk).run
        assert (integration.kind, first.status) == (integration.kind, "succeeded"), (
            first.error_message
        )
        assert first.records_created > 0
        again = sync.sync_integration(integration.pk, "scheduled").run
        assert (integration.kind, again.status, again.error_message) == (
            integration.kind,
            "succeeded",
            "",
        )
        integration.refresh_from_db()
        assert integration.status == Integration.Status.OK
