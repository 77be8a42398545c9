"""Issue 19 points 7 and 9: left-out kinds, and settings that re-derive stored rows (no sync)."""

import socket
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from integrations import services
from integrations.models import SyncRun
from integrations.providers import records
from metrics import calculations as calc
from metrics import selectors
from metrics.cache import data_version
from metrics.ingest import ingest
from metrics.models import WorkItem, WorkItemChange
from metrics.rederive import rederive_work_items
from tests.factories import TeamFactory, make_integration

T0 = datetime(2026, 10, 5, 9, tzinfo=UTC)
NOW = datetime(2026, 10, 14, 12, tzinfo=UTC)


def started(item_id: str, kind: str, status: str = "In Progress") -> calc.WorkItemFacts:
    move = calc.StatusChangeFacts(T0 + timedelta(hours=1), "todo", "in_progress", "To Do", status)
    return calc.WorkItemFacts(item_id, T0, "in_progress", status_changes=(move,), kind=kind)


def finished(item_id: str, kind: str) -> calc.WorkItemFacts:
    moves = (
        calc.StatusChangeFacts(T0 + timedelta(hours=1), "todo", "in_progress"),
        calc.StatusChangeFacts(T0 + timedelta(days=1), "in_progress", "done"),
    )
    return calc.WorkItemFacts(item_id, T0, "done", status_changes=moves, kind=kind)


# --- Pure: which kinds count --------------------------------------------------------------------


def test_epics_are_left_out_and_sub_tasks_count():
    assert calc.is_left_out("epic", ["Epic"])
    assert not calc.is_left_out("subtask", ["Epic"])
    assert not calc.is_left_out("story", ["Epic"])
    # Kinds compare casefolded, with "Sub-task" and "subtask" the same kind.
    assert calc.is_left_out("subtask", ["Sub-task"])
    assert not calc.is_left_out("epic", [])


def test_wip_aging_and_throughput_leave_out_epics():
    items = [
        started("story", "story"),
        started("epic", "epic"),
        started("sub", "subtask"),
        finished("done-story", "story"),
        finished("done-epic", "epic"),
    ]
    counted = calc.flow_items(items, ["Epic"])

    # Two in progress, not three: the epic is out; the sub-task counts.
    assert calc.work_in_progress(counted, NOW) == ["story", "sub"]
    # Aging: 9 days 2 hours (13,080 minutes) since each entered in progress at 10:00 on the 5th.
    assert calc.aging_work_in_progress(counted, NOW) == {"story": 13080, "sub": 13080}
    weekly = calc.work_item_throughput(counted, T0, NOW, ZoneInfo("UTC"))
    assert sum(weekly.values()) == 1  # the finished story; the finished epic is out
    flow = calc.cumulative_flow(counted, T0, NOW, ZoneInfo("UTC"))
    assert flow[date(2026, 10, 13)] == {"todo": 0, "in_progress": 2, "done": 1}


# --- Over stored rows: a settings change re-derives with no provider request -------------------


def jira_item(external_id: str, kind: str, status: str, source: str) -> records.WorkItem:
    move = records.WorkItemChange(
        f"{external_id}-1",
        external_id,
        "status",
        "To Do",
        status,
        T0 + timedelta(hours=1),
        "ana",
        "todo",
        source,
        from_source_category="todo",
        to_source_category=source,
    )
    return records.WorkItem(
        external_id=external_id,
        key=f"ENG-{external_id}",
        title=kind,
        kind=kind,
        status=status,
        status_category=source,
        source_category=source,
        url="",
        created_at=T0,
        updated_at=T0,
        resolved_at=None,
        changes=(move,),
    )


@pytest.fixture
def no_network(monkeypatch):
    """Any connection attempt fails the test: re-derivation must not call a provider."""

    def refuse(*args, **kwargs):
        raise AssertionError("a network connection was attempted")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)


def flow_now(integration) -> dict:
    scope = selectors.metric_scope(
        integration.team, since=date(2026, 10, 1), until=date(2026, 10, 14), now=NOW
    )
    metrics = selectors.family_metrics(scope, "work_items")
    return {
        "wip": metrics["wip"]["at_window_end"],
        "aging": metrics["aging_wip"]["count"],
        "done": metrics["throughput"]["done"],
        "flow": {k: v for k, v in metrics["cumulative_flow"][-1].items() if k != "day"},
    }


@pytest.mark.django_db
def test_left_out_kinds_and_status_mapping_rederive_stored_rows_without_a_sync(
    no_network, django_capture_on_commit_callbacks
):
    integration = make_integration(TeamFactory(), "jira")
    assert integration.config["left_out_kinds"] == ["Epic"]  # the default
    ingest(
        integration,
        [
            jira_item("1", "story", "In Progress", "in_progress"),
            jira_item("2", "epic", "In Progress", "in_progress"),
            jira_item("3", "subtask", "In Review", "in_progress"),
        ],
    )
    rederive_work_items(integration)
    assert flow_now(integration) == {
        "wip": 2,
        "aging": 2,
        "done": 0,
        "flow": {"todo": 0, "in_progress": 2, "done": 0},
    }

    version = data_version(integration.pk)
    with django_capture_on_commit_callbacks(execute=True):
        services.update_integration(
            integration,
            config={
                **integration.config,
                "left_out_kinds": [],
                "status_mapping": {"In Review": "done"},
            },
        )

    # The epic is back in WIP; the sub-task in "In Review" is now done: read from stored rows.
    assert flow_now(integration) == {
        "wip": 2,
        "aging": 2,
        "done": 1,
        "flow": {"todo": 0, "in_progress": 2, "done": 1},
    }
    assert WorkItemChange.objects.get(external_id="3-1").to_category == "done"
    assert WorkItem.objects.get(external_id="3").done_at == T0 + timedelta(hours=1)
    assert data_version(integration.pk) > version
    assert not SyncRun.objects.filter(integration=integration, trigger="reconcile").exists()

    # Removing the mapping again falls back to Jira's own category, still without a sync.
    with django_capture_on_commit_callbacks(execute=True):
        services.update_integration(
            integration, config={**integration.config, "status_mapping": {}}
        )
    assert WorkItem.objects.get(external_id="3").status_category == "in_progress"
    assert flow_now(integration)["wip"] == 3


@pytest.mark.django_db
def test_a_filter_the_provider_applies_queues_a_resync_and_the_page_says_so(
    django_capture_on_commit_callbacks,
):
    integration = make_integration(TeamFactory(), "github")
    before = dict(integration.config)
    with django_capture_on_commit_callbacks():
        services.update_integration(
            integration, config={**before, "deployment_environments": ["live"]}
        )
    assert SyncRun.objects.filter(integration=integration, trigger="reconcile").count() == 1
    note = services.settings_change_note("github", before, integration.config)
    assert note == (
        "A full sync is queued: deployment_environments change what is read from the provider."
    )
