"""The drill-down lists page by "Next" / "Previous" cursors and by number: walking a list of 130
rows with many ties in its sort key (and empty values) forward from the first page or backward
from the last shows every row exactly once, in the list's order."""

import html
import re
from datetime import UTC, datetime, timedelta

import pytest
from django.urls import reverse

from metrics.list_pages import first_rows
from metrics.models import Deployment, Incident, PullRequest, WorkItem, WorkItemFinish
from metrics.scope import metric_scope
from metrics.selectors.pull_requests import list_pull_requests
from tests.factories import TeamFactory, UserFactory, make_integration

pytestmark = pytest.mark.django_db

ROWS = 130  # three pages of 50
NOW = datetime.now(UTC).replace(microsecond=0)


def moment(index: int) -> datetime:
    """Seven rows share each moment, all within the default 30-day window."""
    return NOW - timedelta(hours=1 + index // 7)


@pytest.fixture
def member():
    return UserFactory()


@pytest.fixture
def team(member):
    return TeamFactory(members=[member])


def seed_pull_requests(team) -> None:
    integration = make_integration(team)
    PullRequest.objects.bulk_create(
        PullRequest(
            integration=integration,
            external_id=f"pr-{i}",
            repository="acme/web",
            number=i,
            title=f"Change {i}",
            author="dev",
            # Every fifth one still open: no merge time, listed after the merged ones.
            state="open" if i % 5 == 0 else "merged",
            created_at=moment(i) - timedelta(days=1),
            updated_at=moment(i),
            merged_at=None if i % 5 == 0 else moment(i),
            additions=i % 4,
            deletions=0,
        )
        for i in range(ROWS)
    )


def seed_deployments(team) -> None:
    integration = make_integration(team)
    Deployment.objects.bulk_create(
        Deployment(
            integration=integration,
            external_id=f"d-{i}",
            repository="acme/web",
            source="deployments",
            environment="production",
            status="success",
            sha=f"{i:040x}",
            created_at=moment(i) - timedelta(minutes=5),
            # Listed by finish time, else by creation time.
            finished_at=None if i % 6 == 0 else moment(i),
        )
        for i in range(ROWS)
    )


def seed_incidents(team) -> None:
    integration = make_integration(team)
    Incident.objects.bulk_create(
        Incident(
            integration=integration,
            external_id=f"i-{i}",
            repository="acme/web",
            number=i,
            title=f"Outage {i}",
            created_at=moment(i),
        )
        for i in range(ROWS)
    )


def seed_finishes(team) -> None:
    integration = make_integration(team, "jira")
    items = WorkItem.objects.bulk_create(
        WorkItem(
            integration=integration,
            external_id=f"w-{i}",
            key=f"PAY-{i}",
            title=f"Item {i}",
            kind="story",
            status="Done",
            status_category="done",
            created_at=moment(i) - timedelta(days=2),
            updated_at=moment(i),
        )
        for i in range(ROWS)
    )
    WorkItemFinish.objects.bulk_create(
        WorkItemFinish(integration=integration, work_item=item, done_at=moment(i))
        for i, item in enumerate(items)
    )


def newest_first(rows, key) -> list[int]:
    """Ids in a list's order: `key` highest first (empty last), then the id highest first."""
    rows = list(rows)
    rows.sort(key=lambda row: -row.pk)
    rows.sort(key=lambda row: key(row).timestamp() if key(row) else 0, reverse=True)
    return [row.pk for row in rows]


def by_size(rows) -> list[int]:
    """The pull requests smallest first, the id highest first among equals."""
    return [pr.pk for pr in sorted(rows, key=lambda pr: (pr.additions + pr.deletions, -pr.pk))]


LISTS = {
    "pull requests, merged newest first": (
        "team-pull-requests",
        {},
        seed_pull_requests,
        lambda: newest_first(PullRequest.objects.all(), lambda pr: pr.merged_at),
    ),
    "pull requests, smallest first": (
        "team-pull-requests",
        {"sort": "size"},
        seed_pull_requests,
        lambda: by_size(PullRequest.objects.all()),
    ),
    "deployments": (
        "team-deployments",
        {},
        seed_deployments,
        lambda: newest_first(Deployment.objects.all(), lambda d: d.finished_at or d.created_at),
    ),
    "incidents": (
        "team-incidents",
        {},
        seed_incidents,
        lambda: newest_first(Incident.objects.all(), lambda i: i.created_at),
    ),
    "finished work items": (
        "team-finished-work-items",
        {},
        seed_finishes,
        lambda: newest_first(WorkItemFinish.objects.all(), lambda f: f.done_at),
    ),
}


def link(body: str, attribute: str) -> str | None:
    found = re.search(r'<a href="([^"]*)"[^>]*\b' + attribute, body)
    return html.unescape(found.group(1)) if found else None


def walk(client, url: str, attribute: str) -> list[list[int]]:
    """The ids of each page met following the links marked `attribute` from `url`."""
    path = url.split("?", 1)[0]
    pages = []
    while url is not None:
        response = client.get(url)
        assert response.status_code == 200, url
        pages.append([row.pk for row in _rows(response)])
        following = link(response.content.decode(), attribute)
        url = path + following if following else None
        assert len(pages) <= ROWS, "the links go round in a circle"
    return pages


def _rows(response):
    rows = list(response.context["page_obj"])
    assert response.context["page_obj"].paginator.count == ROWS
    return rows


@pytest.mark.parametrize("name", LISTS)
def test_walking_a_list_forward_and_backward_shows_every_row_once_in_order(
    client, team, member, name
):
    page_name, params, seed, expected = LISTS[name]
    seed(team)
    client.force_login(member)
    first = reverse(page_name, kwargs={"slug": team.slug})
    first += "?" + "&".join(f"{k}={v}" for k, v in params.items())
    order = expected()

    forward = walk(client, first, 'rel="next"')
    assert [len(page) for page in forward] == [50, 50, 30]
    assert [pk for page in forward for pk in page] == order

    last = link(client.get(first).content.decode(), 'data-page="last"')
    assert last is not None
    backward = walk(client, first.split("?")[0] + last, 'rel="prev"')
    assert backward == forward[::-1]


@pytest.mark.parametrize("name", LISTS)
def test_a_page_asked_for_by_number_is_the_one_the_cursors_reach(client, team, member, name):
    page_name, params, seed, expected = LISTS[name]
    seed(team)
    client.force_login(member)
    url = reverse(page_name, kwargs={"slug": team.slug})
    order = expected()
    for number, rows in ((1, order[:50]), (2, order[50:100]), (3, order[100:]), (9, order[100:])):
        response = client.get(url, {**params, "page": number})
        assert [row.pk for row in _rows(response)] == rows, number
        assert response.context["page_obj"].number == min(number, 3)


def test_a_malformed_cursor_falls_back_to_the_page_number(client, team, member):
    seed_incidents(team)
    client.force_login(member)
    url = reverse("team-incidents", kwargs={"slug": team.slug})
    order = newest_first(Incident.objects.all(), lambda i: i.created_at)
    response = client.get(url, {"page": 2, "after": "x2026-13-45_zz"})
    assert [row.pk for row in _rows(response)] == order[50:100]


def test_the_slowest_and_oldest_open_pull_requests_are_the_first_five_in_their_order(
    client, team, member
):
    seed_pull_requests(team)
    # Cycle times with ties: 0-9 minutes, each shared by the 13 pull requests of one remainder.
    for pr in PullRequest.objects.filter(state="merged"):
        pr.cycle_time_minutes = pr.number % 10
        pr.save(update_fields=["cycle_time_minutes"])
    client.force_login(member)

    response = client.get(reverse("team-pull-requests", kwargs={"slug": team.slug}))

    slowest = [(pr.cycle_time_minutes, pr.number) for pr in response.context["slowest"]]
    merged = PullRequest.objects.filter(state="merged")
    expected = sorted(((pr.cycle_time_minutes, pr.number) for pr in merged), reverse=True)
    # Longest first; among equals, the highest id (the numbers were created in order) first.
    assert slowest == expected[:5]
    assert slowest[0] == (9, 129)
    # Oldest open first (two pairs opened at the same moment: either order within a pair).
    oldest = [(pr.created_at, pr.number) for pr, _ in response.context["oldest_open"]]
    assert [at for at, _ in oldest] == sorted(at for at, _ in oldest)
    assert {number for _, number in oldest} == {125, 120, 115, 110, 105}


@pytest.mark.parametrize("show", ["merged", "deployed"])
def test_a_list_of_merged_pull_requests_asks_for_no_open_ones(
    team, show, django_assert_num_queries
):
    seed_pull_requests(team)
    scope = metric_scope(team)

    listing = list_pull_requests(scope, show=show, sort="-merged")

    with django_assert_num_queries(0):
        assert list(listing.oldest_open[:5]) == []
    # The whole window's list has open ones, oldest first.
    everything = list_pull_requests(scope, sort="-merged")
    assert {pr.state for pr in everything.oldest_open} == {"open"}


def test_first_rows_refuses_a_queryset_without_its_own_order(team):
    seed_pull_requests(team)

    with pytest.raises(ValueError, match="order_by"):
        first_rows(PullRequest.objects.all(), 5)
    assert [pr.number for pr in first_rows(PullRequest.objects.order_by("number"), 3)] == [0, 1, 2]
