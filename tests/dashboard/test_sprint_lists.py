"""The lists behind a sprint's numbers: each number of a sprint row (and the velocity bar, and
the running sprint) opens that sprint's items, as many and as many points as the row says
(hand-worked data)."""

import re
from datetime import timedelta

import pytest
from django.urls import reverse

from metrics import derived
from metrics.ingest import ingest
from metrics.models import Sprint
from tests.factories import TeamFactory, UserFactory, make_integration
from tests.metrics.test_sprint_outcomes import START, board_items, issue, sprint_change

pytestmark = pytest.mark.django_db

WINDOW = {"since": "2026-10-01", "until": "2026-10-22"}
# Sprint 1's lists, worked out from tests.metrics.test_sprint_outcomes.board_items plus REM-1:
# (keys, points).
SPRINT_1 = {
    "committed": ({"DONE-1", "CARRY-1", "REM-1"}, 13),
    "added": ({"NEW-1"}, 2),  # created in the sprint at 2 points
    "removed": ({"REM-1"}, 3),
    "completed": ({"DONE-1", "NEW-1"}, 8),  # NEW-1 re-estimated to 3 before it was done
    "not_done": ({"CARRY-1"}, 5),
    "carried_over": ({"CARRY-1"}, 5),
    "outside": ({"OLD-1"}, 8),  # done before the sprint started: counted nowhere
}
# The row's number each list explains: (points column, items column or None).
ROW = {
    "committed": ("committed_points", None),
    "added": ("added_points", None),
    "removed": ("removed_points", None),
    "completed": ("completed_points", "completed_items"),
    "not_done": ("remaining_points", None),
    "carried_over": ("carry_over_points", "carry_over_items"),
}


@pytest.fixture
def member():
    return UserFactory()


@pytest.fixture
def team(member):
    team = TeamFactory(time_zone="UTC", members=[member])
    integration = make_integration(team, kind="jira")
    removed = issue(  # committed at 3 points, taken out of the sprint on its fifth day
        "REM-1",
        3,
        sprints=(),
        changes=(sprint_change("REM-1", START + timedelta(days=5), "1", ""),),
    )
    ingest(integration, [*board_items(), removed])
    derived.refresh(integration)
    return team


def open_list(client, href: str):
    response = client.get(href.replace("&amp;", "&"))
    assert response.status_code == 200, href
    count = response.context["page_obj"].paginator.count
    shown = re.search(r'data-metric="listed">(\d+)<', response.content.decode())
    assert shown is not None and int(shown.group(1)) == count
    keys = {item.key for item, _ in response.context["page_obj"]}
    points = sum(points for _, points in response.context["page_obj"])
    return keys, points, response


def test_each_number_of_a_sprint_row_opens_the_items_it_counted(client, team, member):
    client.force_login(member)
    page = client.get(reverse("team-sprints", kwargs={"slug": team.slug}), WINDOW)
    (board,) = page.context["boards"]
    (row,) = board["sprints"]
    html = page.content.decode()
    assert row["committed_points"] == 13 and row["removed_points"] == 3
    for name, (points_column, items_column) in ROW.items():
        link = re.search(rf'<a href="([^"]+)" data-list="{name}">', html)
        assert link is not None, name
        keys, points, _ = open_list(client, link.group(1))
        assert (keys, points) == SPRINT_1[name], name
        assert points == row[points_column], name
        if items_column:
            assert len(keys) == row[items_column], name
    # Completed outside the sprint: listed under the row, and a list of its own.
    keys, points, response = open_list(client, row["href"] + "outside")
    assert (keys, points) == SPRINT_1["outside"]
    assert [item["key"] for item in row["completed_outside"]] == ["OLD-1"]
    summary = {line["key"]: (line["items"], line["points"]) for line in response.context["summary"]}
    assert summary == {name: (len(keys), points) for name, (keys, points) in SPRINT_1.items()}


def test_the_velocity_bar_and_the_running_sprint_open_their_items(client, team, member):
    client.force_login(member)
    page = client.get(reverse("team-sprints", kwargs={"slug": team.slug}), WINDOW)
    (board,) = page.context["boards"]
    spec = board["charts"]["velocity"]
    assert len(spec["links"]) == len(spec["datasets"][0]["data"]) == 1
    keys, points, _ = open_list(client, spec["links"][0])
    assert points == spec["datasets"][0]["data"][0] == 8
    assert len(keys) == board["velocity"]["completed_items"][0] == 2
    running = board["active_sprint"]
    assert running["name"] == "Sprint 2"
    keys, points, response = open_list(client, running["href"] + "committed")
    assert (keys, points) == ({"CARRY-1"}, running["committed_points"]) == ({"CARRY-1"}, 5)
    assert response.context["found"].running
    keys, points, _ = open_list(client, running["href"] + "added")
    assert (keys, points) == ({"ADD-2"}, running["added_points"]) == ({"ADD-2"}, 2)


def test_another_teams_sprint_and_a_bad_list_are_refused(client, team, member):
    client.force_login(member)
    other = TeamFactory()
    integration = make_integration(other, kind="jira")
    ingest(integration, board_items())
    sprint = Sprint.objects.filter(integration=integration).first()
    url = reverse("team-sprint-items", kwargs={"slug": team.slug, "pk": sprint.pk})
    assert client.get(url).status_code == 404
    mine = Sprint.objects.exclude(integration=integration).first()
    url = reverse("team-sprint-items", kwargs={"slug": team.slug, "pk": mine.pk})
    response = client.get(url, {"show": "everything"})
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
