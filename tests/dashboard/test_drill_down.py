"""Drill-down: each DORA tile of the overview links to the list of what it counted, with the
same filters, and the list's count is the tile's number (the sandbox's data, synced over HTTP)."""

import re

import pytest
from django.urls import reverse

from tests.factories import UserFactory
from tests.metrics.test_sandbox_metrics import SANDBOX_NOW, synced_team

pytestmark = pytest.mark.django_db

WIDE = {"since": "2026-07-01", "until": SANDBOX_NOW.date().isoformat()}


@pytest.fixture(autouse=True)
def _sandbox_allowed(settings):
    settings.AGILETRACK_ALLOWED_API_HOSTS = ["127.0.0.1:*"]


@pytest.fixture
def member():
    return UserFactory()


@pytest.fixture
def team(sandbox, member):
    team = synced_team(sandbox, "Europe/Berlin")
    team.members.add(member)
    return team


def tile_counts(dora: dict) -> dict[str, int]:
    """What each linked tile counted, as the overview's DORA report says."""
    return {
        "frequency": dora["deployment_frequency"]["deployments"],
        "lead_time": dora["lead_time_for_changes"]["summary"]["count"],
        "failure_rate": dora["change_failure_rate"]["failed"],
        "restore": dora["time_to_restore"]["summary"]["count"],
        "recovery": dora["failed_deployment_recovery_time"]["summary"]["count"],
    }


def listed(client, href: str) -> int:
    response = client.get(href)
    assert response.status_code == 200, href
    count = response.context["page_obj"].paginator.count
    shown = re.search(r'data-metric="listed">(\d+)<', response.content.decode())
    assert shown is not None and int(shown.group(1)) == count
    return count


@pytest.mark.parametrize(
    "window", [WIDE, {"since": "2026-08-01", "until": "2026-08-31"}], ids=["wide", "august"]
)
def test_every_dora_tile_links_to_the_list_it_counted_with_the_same_count(
    client, team, member, window
):
    client.force_login(member)
    overview = client.get(reverse("team-overview", kwargs={"slug": team.slug}), window)
    tiles = {tile["key"]: tile for tile in overview.context["tiles"]}
    expected = tile_counts(overview.context["bands"])
    # The sandbox's history has deployments, failures, incidents and deployed pull requests.
    if window is WIDE:
        assert all(expected.values()), expected
    html = overview.content.decode()
    for key, count in expected.items():
        href = tiles[key]["href"]
        assert f"since={window['since']}" in href and f"until={window['until']}" in href
        if not tiles[key]["empty"]:
            assert f'href="{href.replace("&", "&amp;")}"' in html, key
        assert listed(client, href) == count, key
    # The change failure rate's denominator is a list too.
    deployments = reverse("team-deployments", kwargs={"slug": team.slug})
    counted = listed(client, f"{deployments}?since={window['since']}&until={window['until']}"
                     "&show=counted")  # fmt: skip
    assert counted == overview.context["bands"]["change_failure_rate"]["deployments"]


def test_the_deployments_page_shows_each_deployments_pull_requests_and_incidents(
    client, team, member
):
    client.force_login(member)
    response = client.get(reverse("team-deployments", kwargs={"slug": team.slug}), WIDE)
    assert response.status_code == 200
    rows = response.context["rows"]
    assert any(details.pull_requests for _, details in rows)
    for deployment, details in rows:
        for pr in details.pull_requests:
            assert pr.deployed_at == deployment.finished_at
            assert pr.repository == deployment.repository
    failed = client.get(
        reverse("team-deployments", kwargs={"slug": team.slug}), {**WIDE, "show": "failed"}
    )
    for deployment, details in failed.context["rows"]:
        assert deployment.status in ("failure", "error") or details.incidents


def test_an_unknown_list_is_a_form_error_not_a_500(client, team, member):
    client.force_login(member)
    for name in ("team-deployments", "team-incidents"):
        response = client.get(reverse(name, kwargs={"slug": team.slug}), {"show": "nope"})
        assert response.status_code == 200, name
        assert "Select a valid choice" in response.content.decode(), name
    finished = reverse("team-finished-work-items", kwargs={"slug": team.slug})
    response = client.get(finished, {"period": "soon", "interval": "year"})
    assert response.status_code == 200
    assert "Enter a valid date" in response.content.decode()
    assert "Select a valid choice" in response.content.decode()
    # The pull request page ignores filters it cannot read, as it always has.
    response = client.get(reverse("team-pull-requests", kwargs={"slug": team.slug}), {"show": "x"})
    assert response.status_code == 200


def test_each_weeks_cycle_time_bar_and_the_merged_count_open_the_pull_requests_they_counted(
    client, team, member
):
    client.force_login(member)
    overview = client.get(reverse("team-overview", kwargs={"slug": team.slug}), WIDE)
    assert overview.context["interval"] == "week"
    spec = overview.context["charts"]["stages"]
    merged = overview.context["charts"]["throughput"]["datasets"][0]["data"]
    assert len(spec["links"]) == len(spec["labels"]) == len(merged)
    assert sum(merged) > 0
    html = overview.content.decode()
    for link, count in zip(spec["links"], merged, strict=True):
        assert f'href="{link.replace("&", "&amp;")}"' in html  # the chart's table links too
        assert listed(client, link) == count, link
    total = overview.context["pull_requests"]["throughput"]["merged"]
    pull_requests = reverse("team-pull-requests", kwargs={"slug": team.slug})
    href = f"{pull_requests}?since={WIDE['since']}&amp;until={WIDE['until']}&amp;show=merged"
    assert href in html
    assert listed(client, href.replace("&amp;", "&")) == total


def test_each_work_items_throughput_bar_and_the_done_count_open_the_items_they_counted(
    client, team, member
):
    client.force_login(member)
    work_items = client.get(reverse("team-work-items", kwargs={"slug": team.slug}), WIDE)
    spec = work_items.context["charts"]["throughput"]
    done = spec["datasets"][0]["data"]
    assert len(spec["links"]) == len(done) and sum(done) > 0
    for link, count in zip(spec["links"], done, strict=True):
        assert listed(client, link) == count, link
    total = work_items.context["metrics"]["throughput"]["done"]
    finished = reverse("team-finished-work-items", kwargs={"slug": team.slug})
    href = f"{finished}?since={WIDE['since']}&amp;until={WIDE['until']}"
    assert f'href="{href}"' in work_items.content.decode()
    assert listed(client, href.replace("&amp;", "&")) == total
    overview = client.get(reverse("team-overview", kwargs={"slug": team.slug}), WIDE)
    assert f'href="{href}"' in overview.content.decode()


def test_each_scatter_point_opens_the_items_finished_on_its_day_among_them_its_own(
    client, team, member
):
    client.force_login(member)
    work_items = client.get(reverse("team-work-items", kwargs={"slug": team.slug}), WIDE)
    spec = work_items.context["charts"]["scatter"]
    points = spec["datasets"][0]["data"]
    assert spec["link_mode"] == "point" and len(spec["links"]) == len(points) > 0
    for point, link in list(zip(points, spec["links"], strict=True))[:: max(1, len(points) // 8)]:
        response = client.get(link)
        assert response.status_code == 200
        keys = {finish.work_item.key for finish in response.context["page_obj"]}
        assert point["key"] in keys, link


def test_each_cumulative_flow_band_lists_as_many_items_as_it_counts(client, team, member):
    client.force_login(member)
    work_items = client.get(reverse("team-work-items", kwargs={"slug": team.slug}), WIDE)
    spec = work_items.context["charts"]["flow"]
    assert len(spec["links"]) == len(spec["datasets"]) == 3
    days = range(0, len(spec["labels"]), max(1, len(spec["labels"]) // 6))
    counted = 0
    for dataset, links in zip(spec["datasets"], spec["links"], strict=True):
        for day in [*days, len(spec["labels"]) - 1]:
            assert listed(client, links[day]) == dataset["data"][day], links[day]
            counted += dataset["data"][day]
    assert counted > 0
