"""The list behind each band of the cumulative flow on each day: the work items in that status
category at the end of that local day, as many as the band counts (hand-worked data for a team
in New York, over the night daylight saving time ended: 2026-11-01 is a 25-hour day)."""

import re
from datetime import UTC, date, datetime

import pytest
from django.urls import reverse

from integrations.providers import records
from metrics import derived, selectors
from metrics.ingest import ingest
from tests.factories import TeamFactory, UserFactory, make_integration

pytestmark = pytest.mark.django_db

WINDOW = {"since": "2026-10-30", "until": "2026-11-02"}
# Who is in which band at the end of each local day (worked out from the moves below).
EXPECTED = {
    date(2026, 10, 30): {"todo": set(), "in_progress": {"B", "D"}, "done": {"A"}},
    date(2026, 10, 31): {"todo": {"C", "D"}, "in_progress": {"B"}, "done": {"A"}},
    date(2026, 11, 1): {"todo": {"C", "D"}, "in_progress": set(), "done": {"A", "B"}},
    date(2026, 11, 2): {"todo": {"C"}, "in_progress": {"D", "E"}, "done": {"A", "B"}},
}


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=UTC)


def item(key, created_at, *moves, category="todo", kind="story"):
    changes = tuple(
        records.WorkItemChange(
            f"{key}{n}", key, "status", frm.title(), to.title(), at, "ana", frm, to
        )
        for n, (at, frm, to) in enumerate(moves)
    )
    return records.WorkItem(
        external_id=key,
        key=key,
        title=f"Item {key}",
        kind=kind,
        status=changes[-1].to_value if changes else category.title(),
        status_category=changes[-1].to_category if changes else category,
        url="",
        created_at=created_at,
        updated_at=created_at,
        resolved_at=None,
        changes=changes,
    )


@pytest.fixture
def member():
    return UserFactory()


@pytest.fixture
def team(member):
    team = TeamFactory(time_zone="America/New_York", members=[member])
    integration = make_integration(team, kind="jira")
    ingest(
        integration,
        [
            item("A", utc(2026, 9, 1, 9), (utc(2026, 9, 2, 9), "todo", "done")),
            item(
                "B",
                utc(2026, 10, 1, 9),
                # 23:00 on Oct 30 in New York (EDT), 03:00 UTC on Oct 31.
                (utc(2026, 10, 31, 3), "todo", "in_progress"),
                # 23:30 on Nov 1 in New York (EST), though 00:30 on Nov 2 a day earlier (EDT).
                (utc(2026, 11, 2, 4, 30), "in_progress", "done"),
            ),
            item("C", utc(2026, 10, 31, 14)),
            item(
                "D",
                utc(2026, 10, 20, 9),
                (utc(2026, 10, 25, 9), "todo", "in_progress"),
                (utc(2026, 10, 31, 12), "in_progress", "todo"),
                (utc(2026, 11, 2, 12), "todo", "in_progress"),
            ),
            # Created in progress (no move), in the afternoon of Nov 2.
            item("E", utc(2026, 11, 2, 20), category="in_progress"),
            # An epic: left out of flow metrics, so of every band and every list.
            item(
                "F", utc(2026, 10, 1, 9), (utc(2026, 10, 2, 9), "todo", "in_progress"), kind="epic"
            ),
        ],
    )
    derived.refresh(integration)
    return team


def test_each_band_on_each_day_lists_the_items_it_counted(client, team, member):
    client.force_login(member)
    response = client.get(reverse("team-work-items", kwargs={"slug": team.slug}), WINDOW)
    spec = response.context["charts"]["flow"]
    assert spec["link_mode"] == "band"
    categories = {"Done": "done", "In progress": "in_progress", "To do": "todo"}
    flow = {row["day"]: row for row in response.context["metrics"]["cumulative_flow"]}
    assert list(flow) == list(EXPECTED)
    for dataset, links in zip(spec["datasets"], spec["links"], strict=True):
        category = categories[dataset["label"]]
        assert len(links) == len(dataset["data"]) == len(EXPECTED)
        for day, value, link in zip(EXPECTED, dataset["data"], links, strict=True):
            assert value == flow[day][category] == len(EXPECTED[day][category]), (day, category)
            assert f"day={day.isoformat()}" in link and f"category={category}" in link
            assert "since=2026-10-30" in link and "until=2026-11-02" in link
            listed = client.get(link)
            assert listed.status_code == 200
            keys = {row.key for row in listed.context["page_obj"]}
            assert keys == EXPECTED[day][category], (day, category)
            assert listed.context["page_obj"].paginator.count == value
            shown = re.search(r'data-metric="listed">(\d+)<', listed.content.decode())
            assert shown is not None and int(shown.group(1)) == value


def test_the_line_under_the_chart_links_the_last_days_bands(client, team, member):
    client.force_login(member)
    html = client.get(reverse("team-work-items", kwargs={"slug": team.slug}), WINDOW)
    html = html.content.decode()
    for category, text in (("todo", "1 to do"), ("in_progress", "2 in progress")):
        link = re.search(rf'<a href="([^"]+)" data-band="{category}">{text}</a>', html)
        assert link is not None, category
        listed = client.get(link.group(1).replace("&amp;", "&"))
        assert {row.key for row in listed.context["page_obj"]} == EXPECTED[date(2026, 11, 2)][
            category
        ]


def test_each_item_is_listed_since_it_entered_the_band(team):
    scope = selectors.metric_scope(team, since=date(2026, 10, 30), until=date(2026, 11, 2))
    rows = selectors.list_flow_band(scope, date(2026, 11, 2), "in_progress")
    assert [(row.key, row.since) for row in rows] == [
        ("D", utc(2026, 11, 2, 12)),
        ("E", utc(2026, 11, 2, 20)),
    ]


def test_a_band_asked_for_badly_is_a_form_error(client, team, member):
    client.force_login(member)
    flow = reverse("team-flow-work-items", kwargs={"slug": team.slug})
    response = client.get(flow, {"day": "soon", "category": "blocked"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "Enter a valid date" in html and "Select a valid choice" in html
    assert response.context["page_obj"].paginator.count == 0
    assert client.get(flow).status_code == 200
    client.force_login(UserFactory())
    assert client.get(flow, {"day": "2026-11-02", "category": "done"}).status_code == 404
