"""Small helpers of the fault tests: integrations on a sandbox, faults, waiting for runs."""

from __future__ import annotations

import requests

from integrations import services
from integrations.models import Integration, SyncRun
from tests.e2e.conftest import wait_for
from tests.factories import TeamFactory

FINISHED = ("succeeded", "failed", "partial", "skipped")


def trello_integration(
    box, team=None, name="boards", token=None, boards=None, initial=True
) -> Integration:
    """A Trello integration on the sandbox; `initial=False` queues no first sync (created
    inactive, then activated, which queues nothing)."""
    trello = box.info["trello"]
    board_ids = boards or [b["id"] for b in trello["boards"]]
    integration = services.create_integration(
        team=team or TeamFactory(),
        kind="trello",
        name=name,
        config={"api_url": trello["api_url"], "board_ids": board_ids},
        credentials={"key": trello["key"], "token": token or trello["token"]},
        is_active=initial,
    )
    if not initial:
        services.update_integration(integration, is_active=True)
    return integration


def github_integration(box, team=None, name="github") -> Integration:
    """A GitHub integration on every repository of the sandbox."""
    github = box.info["github"]
    return services.create_integration(
        team=team or TeamFactory(),
        kind="github",
        name=name,
        config={"api_url": github["api_url"], "repositories": github["repositories"]},
        credentials={"token": github["token"]},
    )


def jira_integration(box, team=None, name="jira") -> Integration:
    """A Jira integration on the sandbox's first board (its sprints too)."""
    jira = box.info["jira"]
    return services.create_integration(
        team=team or TeamFactory(),
        kind="jira",
        name=name,
        config={
            "site_url": jira["site_url"],
            "board_id": jira["boards"][0]["id"],
            "story_points_field": jira["story_points_field"],
        },
        credentials={"email": jira["email"], "api_token": jira["api_token"]},
    )


def secrets_of(box) -> list[str]:
    """The sentinel secrets: every credential the sandbox accepts."""
    info = box.info
    return [
        info["trello"]["token"],
        info["trello"]["key"],
        info["github"]["token"],
        info["jira"]["api_token"],
    ]


def set_faults(box, faults: list[dict]) -> None:
    answer = requests.post(box.base + "/_sandbox/faults", json={"faults": faults}, timeout=5)
    answer.raise_for_status()


def clear_faults(box) -> None:
    set_faults(box, [])


def runs(integration) -> list[SyncRun]:
    return list(SyncRun.objects.filter(integration=integration).order_by("pk"))


def settled(integration) -> list[SyncRun] | None:
    """The runs once none is queued or running (and at least one exists)."""
    found = runs(integration)
    if found and all(run.status in FINISHED for run in found):
        return found
    return None


def wait_settled(integration, procs, timeout: float = 60) -> list[SyncRun]:
    return wait_for(
        lambda: settled(integration),
        timeout,
        interval=0.3,
        message=lambda: (
            f"runs {[(r.pk, r.status) for r in runs(integration)]}\n" + procs.logs()[-4000:]
        ),
    )


def wait_succeeded(integration, procs, timeout: float = 60) -> list[SyncRun]:
    def done():
        found = settled(integration)
        return found if found and found[-1].status == "succeeded" else None

    return wait_for(
        done,
        timeout,
        interval=0.3,
        message=lambda: (
            f"runs {[(r.pk, r.status, r.error_type) for r in runs(integration)]}\n"
            + procs.logs()[-4000:]
        ),
    )
