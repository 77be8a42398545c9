"""Drill-down in a real browser: a DORA tile's value opens the list behind it, with the same
filters and as many rows as the tile counted (the demo data: the sandbox synced)."""

import re
import uuid

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import screenshot, sign_in
from tests.browser.test_dashboard import PASSWORD, WIDE, team_url

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@pytest.fixture(autouse=True)
def _sandbox_allowed(settings):
    settings.AGILETRACK_ALLOWED_API_HOSTS = ["127.0.0.1:*"]
    # The initial syncs these integrations queue go to queues no running worker reads.
    queue = f"agiletrack-browser-{uuid.uuid4().hex[:8]}"
    settings.CELERY_TASK_DEFAULT_QUEUE = queue
    settings.AGILETRACK_PRIORITY_QUEUE = f"{queue}-priority"


def test_clicking_the_deployment_frequency_tile_lists_the_deployments_it_counted(
    page,
    live_server,
    demo,
    member,
):
    sign_in(page, live_server, member, PASSWORD)
    page.goto(team_url(live_server, demo, "overview", **WIDE))
    tile = page.locator("[data-metric='frequency']")
    detail = tile.locator(".detail").inner_text()
    counted = int(re.match(r"(\d+) deployments", detail).group(1))  # type: ignore[union-attr]
    assert counted > 0
    tile.locator(".value a").click()
    expect(page).to_have_url(re.compile(r"/deployments/\?.*show=deployed"))
    assert f"since={WIDE['since']}" in page.url and f"until={WIDE['until']}" in page.url
    expect(page.get_by_role("heading", level=1)).to_contain_text("deployments")
    expect(page.locator("[data-metric='listed']")).to_have_text(str(counted))
    expect(page.locator("nav.sections a[aria-current='page']")).to_have_text("Deployments")
    shown = page.locator("tr[data-deployment]").count()
    assert shown == min(counted, 50)
    screenshot(page, "drill-down-deployments")

    # The change failure rate's tile lands on the failed deployments, the same way.
    page.go_back()
    failure = page.locator("[data-metric='failure_rate']")
    failed = int(re.match(r"(\d+) of", failure.locator(".detail").inner_text()).group(1))  # type: ignore[union-attr]
    failure.locator(".value a").click()
    expect(page).to_have_url(re.compile(r"/deployments/\?.*show=failed"))
    expect(page.locator("[data-metric='listed']")).to_have_text(str(failed))


def test_clicking_a_weeks_cycle_time_bar_lists_the_pull_requests_merged_that_week(
    page, live_server, demo, member
):
    sign_in(page, live_server, member, PASSWORD)
    page.goto(team_url(live_server, demo, "overview", **WIDE))
    page.locator("#chart-stages").scroll_into_view_if_needed()
    # The busiest week's bar, where Chart.js drew it, and how many merged that week.
    bar = page.evaluate(
        """() => {
            const canvas = document.getElementById('chart-stages');
            const merged = Chart.getChart(document.getElementById('chart-throughput'))
                .data.datasets[0].data;
            const index = merged.indexOf(Math.max(...merged));
            const point = Chart.getChart(canvas).getDatasetMeta(0).data[index];
            const box = canvas.getBoundingClientRect();
            const spec = JSON.parse(document.getElementById('chart-stages-data').textContent);
            return {x: box.left + point.x, y: box.top + point.y + 2, count: merged[index],
                    link: spec.links[index]};
        }"""
    )
    assert bar["count"] > 0
    page.mouse.click(bar["x"], bar["y"])
    expect(page).to_have_url(re.compile(re.escape(bar["link"]) + "$"))
    assert "show=merged" in page.url
    expect(page.locator("[data-metric='listed']")).to_have_text(str(bar["count"]))


def test_clicking_a_scatter_point_lists_the_items_finished_that_day(
    page, live_server, demo, member
):
    sign_in(page, live_server, member, PASSWORD)
    page.goto(team_url(live_server, demo, "work-items", **WIDE))
    page.locator("#chart-scatter").scroll_into_view_if_needed()
    point = page.evaluate(
        """() => {
            const canvas = document.getElementById('chart-scatter');
            const chart = Chart.getChart(canvas);
            const element = chart.getDatasetMeta(0).data[0];
            const box = canvas.getBoundingClientRect();
            return {x: box.left + element.x, y: box.top + element.y,
                    key: chart.data.datasets[0].data[0].key};
        }"""
    )
    page.mouse.click(point["x"], point["y"])
    expect(page).to_have_url(re.compile(r"/work-items/finished/\?.*interval=day"))
    expect(page.locator(f"tr[data-work-item='{point['key']}']")).to_have_count(1)
