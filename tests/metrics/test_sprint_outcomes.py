"""A synced board's sprint outcomes, stored and read: completed outside the sprint, say/do,
carry-over, items created inside the sprint, and the running sprint's burndown lines; through the
selectors, the sprints page, the sprint list API and the upgrade migration."""

from datetime import UTC, date, datetime, timedelta
from importlib import import_module

import pytest
from django.db import connection
from django.db.migrations.loader import MigrationLoader

from integrations.providers import records
from metrics import derived, selectors
from metrics.ingest import ingest
from metrics.models import Sprint, WorkItem
from tests.factories import TeamFactory, UserFactory, make_integration

pytestmark = pytest.mark.django_db

START = datetime(2026, 10, 5, 9, tzinfo=UTC)  # Sprint 1: Oct 5 to Oct 19, completed on time
CLOSE = START + timedelta(days=14)
S2_START = CLOSE + timedelta(hours=1)  # Sprint 2: running on Oct 22


def issue(
    key, points, *, created=START - timedelta(days=10), done=None, sprints=("1",), changes=()
):
    status = ("Done", "done") if done else ("In Progress", "in_progress")
    moves = (
        (records.WorkItemChange(f"{key}-d", key, "status", "In Progress", "Done", done, "",
                                "in_progress", "done", "in_progress", "done"),)
        if done and done > created else ()
    )  # fmt: skip
    return records.WorkItem(
        key, key, f"Title of {key}", "story", *status, "", created, done or created, done,
        story_points=points, sprint_ids=sprints, changes=(*moves, *changes),
    )  # fmt: skip


def sprint_change(key, at, old, new, n=1):
    return records.WorkItemChange(f"{key}-s{n}", key, "sprint", old, new, at)


def board_items():
    return [
        records.Sprint("1", "B1", "Sprint 1", "closed", START, CLOSE, CLOSE),
        records.Sprint(
            "2", "B1", "Sprint 2", "active", S2_START, S2_START + timedelta(days=14), None
        ),
        issue("OLD-1", 8, done=START - timedelta(days=1)),  # done before the start
        issue("DONE-1", 5, done=START + timedelta(days=3)),
        issue(  # created in the sprint at 2 points, re-estimated to 3 before it was done
            "NEW-1",
            3,
            created=START + timedelta(days=2),
            done=START + timedelta(days=6),
            changes=(
                records.WorkItemChange(
                    "NEW-1-p", "NEW-1", "story_points", "2", "3", START + timedelta(days=4)
                ),
            ),
        ),
        issue(  # not done: moved into Sprint 2 when Sprint 1 was completed
            "CARRY-1",
            5,
            sprints=("1", "2"),
            changes=(sprint_change("CARRY-1", CLOSE, "1", "1, 2"),),
        ),
        issue(  # joined Sprint 2 on its third day: scope added that day
            "ADD-2",
            2,
            sprints=("2",),
            changes=(sprint_change("ADD-2", S2_START + timedelta(days=2), "", "2"),),
        ),
    ]


@pytest.fixture
def board():
    team = TeamFactory(time_zone="UTC")
    integration = make_integration(team, kind="jira")
    ingest(integration, board_items())
    derived.refresh(integration)
    return team, integration


def window(team):
    return selectors.metric_scope(team, since=date(2026, 10, 1), until=date(2026, 10, 22))


def test_completed_counts_only_what_was_done_during_the_sprint_and_lists_the_rest(board):
    team, _ = board
    (found,) = selectors.sprint_metrics(window(team))["boards"]
    (sprint_1,) = found["sprints"]
    assert sprint_1["completed_outside"] == [
        {"key": "OLD-1", "title": "Title of OLD-1", "story_points": 8.0}
    ]
    assert sprint_1["committed_points"] == 5 + 5  # DONE-1, CARRY-1; OLD-1 not counted
    assert sprint_1["added_points"] == 2  # NEW-1 at its points when it was created
    assert (sprint_1["completed_points"], sprint_1["completed_items"]) == (5 + 3, 2)
    assert sprint_1["say_do"] == 0.8
    assert (sprint_1["carry_over_items"], sprint_1["carry_over_points"]) == (1, 5)
    velocity = found["velocity"]
    assert velocity["say_do"] == [0.8]
    assert (velocity["carry_over_items"], velocity["committed_points"]) == ([1], [10])


def test_the_running_sprint_burndown_starts_at_its_commitment_and_shows_scope_added_that_day(board):
    team, _ = board
    (found,) = selectors.sprint_metrics(window(team))["boards"]
    running = found["active_sprint"]
    assert running["name"] == "Sprint 2"
    assert running["burndown_start"] == {"at": S2_START, "remaining_points": 5}
    assert running["ideal"] == [
        {"at": S2_START, "remaining_points": 5},
        {"at": S2_START + timedelta(days=14), "remaining_points": 0},
    ]
    assert running["scope_changes"] == [
        {"day": date(2026, 10, 21), "added_points": 2, "removed_points": 0}
    ]


def test_the_sprint_row_and_the_sprint_list_api_carry_the_new_numbers(board, client):
    team, integration = board
    row = Sprint.objects.get(integration=integration, external_id="1")
    assert (row.completed_points, row.carry_over_items, row.carry_over_points) == (8, 1, 5)
    assert row.completed_outside == list(
        WorkItem.objects.filter(key="OLD-1").values_list("pk", flat=True)
    )
    client.force_login(make_member(team))
    body = client.get(f"/api/sprints/?integration={integration.pk}").json()
    listed = {s["name"]: s for s in body["results"]}
    assert listed["Sprint 1"]["say_do"] == 0.8
    assert listed["Sprint 1"]["carry_over_items"] == 1
    assert listed["Sprint 1"]["completed_outside"] == row.completed_outside


def test_the_sprints_page_shows_say_do_carry_over_and_the_items_completed_outside(board, client):
    team, _ = board
    client.force_login(make_member(team))
    page = client.get(f"/teams/{team.slug}/sprints/?since=2026-10-01&until=2026-10-22")
    html = page.content.decode()
    assert page.status_code == 200
    assert 'data-metric="say-do">80%<' in html
    assert "1 item (5 points)" in html
    assert "1 item completed outside the sprint" in html
    assert "OLD-1" in html


def test_the_upgrade_migration_stores_what_the_refresh_stores(board):
    fields = [*derived.SPRINT_FIELDS]
    refreshed = list(Sprint.objects.order_by("pk").values_list(*fields))
    # As before the migration: the old completed points, no carry-over, nothing listed.
    Sprint.objects.update(
        completed_points=13, carry_over_items=None, carry_over_points=None, completed_outside=[]
    )
    name = "0014_sprint_scope_history"
    frozen = MigrationLoader(connection).project_state(("metrics", name)).apps
    import_module(f"metrics.migrations.{name}").fill(frozen, None)
    after = list(Sprint.objects.order_by("pk").values_list(*fields))
    # The closed sprint matches exactly; the running one is read at a later "now".
    assert after[0] == refreshed[0]
    assert after[0][fields.index("completed_points")] == 8
    assert after[1][:-1] == refreshed[1][:-1]


def make_member(team):
    user = UserFactory()
    team.members.add(user)
    return user
