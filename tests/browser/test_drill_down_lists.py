"""Drill-down in a real browser, the remaining lists: the failed deployment recovery time tile,
a band of the cumulative flow and a sprint's row each open the list behind their number, with
as many rows as the number says (the demo data: the sandbox synced)."""

import re
import uuid

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import sign_in
from tests.browser.test_dashboard import PASSWORD, WIDE, team_url

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@pytest.fixture(autouse=True)
def _sandbox_allowed(settings):
    settings.AGILETRACK_ALLOWED_API_HOSTS = ["127.0.0.1:*"]
    # The initial syncs these integrations queue go to queues no running worker reads.
    queue = f"agiletrack-browser-{uuid.uuid4().hex[:8]}"
    settings.CELERY_TASK_DEFAULT_QUEUE = queue
    settings.AGILETRACK_PRIORITY_QUEUE = f"{queue}-priority"


def test_clicking_the_recovery_tile_lists_the_recoveries_it_measured(
    page, live_server, demo, member
):
    sign_in(page, live_server, member, PASSWORD)
    page.goto(team_url(live_server, demo, "overview", **WIDE))
    tile = page.locator("[data-metric='recovery']")
    detail = tile.locator(".detail").inner_text()
    counted = int(re.match(r"median of (\d+) ", detail).group(1))  # type: ignore[union-attr]
    assert counted > 0
    tile.locator(".value a").click()
    expect(page).to_have_url(re.compile(r"/deployments/\?.*show=recovered"))
    assert f"since={WIDE['since']}" in page.url and f"until={WIDE['until']}" in page.url
    expect(page.locator("[data-metric='listed']")).to_have_text(str(counted))
    expect(page.locator("select[name='show']")).to_have_value("recovered")
    assert page.locator("td[data-metric='recovery-minutes']").count() == min(counted, 50)


def test_clicking_a_cumulative_flow_band_lists_the_items_in_it_that_day(
    page, live_server, demo, member
):
    sign_in(page, live_server, member, PASSWORD)
    page.goto(team_url(live_server, demo, "work-items", **WIDE))
    page.locator("#chart-flow").scroll_into_view_if_needed()
    # Halfway up the "In progress" band (the second from the bottom), on its busiest day.
    band = page.evaluate(
        """() => {
            const canvas = document.getElementById('chart-flow');
            const chart = Chart.getChart(canvas);
            const values = chart.data.datasets[1].data;
            const index = values.indexOf(Math.max(...values));
            const top = chart.getDatasetMeta(1).data[index];
            const bottom = chart.getDatasetMeta(0).data[index];
            const box = canvas.getBoundingClientRect();
            const spec = JSON.parse(document.getElementById('chart-flow-data').textContent);
            return {x: box.left + top.x, y: box.top + (top.y + bottom.y) / 2,
                    count: values[index], day: chart.data.labels[index],
                    link: spec.links[1][index]};
        }"""
    )
    assert band["count"] > 0
    page.mouse.click(band["x"], band["y"])
    expect(page).to_have_url(re.compile(re.escape(band["link"]) + "$"))
    assert "category=in_progress" in page.url and f"day={band['day']}" in page.url
    expect(page.get_by_role("heading", level=1)).to_contain_text(f"in progress on {band['day']}")
    expect(page.locator("[data-metric='listed']")).to_have_text(str(band["count"]))
    assert page.locator("tr[data-work-item]").count() == min(band["count"], 50)
    expect(page.locator("[data-export='table-csv']")).to_have_count(1)


def test_clicking_a_velocity_bar_or_a_sprint_rows_number_lists_that_sprints_items(
    page, live_server, demo, member
):
    sign_in(page, live_server, member, PASSWORD)
    page.goto(team_url(live_server, demo, "sprints", **WIDE))
    canvas = page.locator("canvas[data-chart^='chart-velocity']").first
    canvas.scroll_into_view_if_needed()
    # The last closed sprint's bar, and how many items it completed (the velocity table).
    bar = page.evaluate(
        """(id) => {
            const canvas = document.getElementById(id);
            const chart = Chart.getChart(canvas);
            const last = chart.data.labels.length - 1;
            const element = chart.getDatasetMeta(0).data[last];
            const box = canvas.getBoundingClientRect();
            const spec = JSON.parse(document.getElementById(id + '-data').textContent);
            return {x: box.left + element.x, y: box.top + (element.y + element.base) / 2,
                    name: chart.data.labels[last], link: spec.links[last]};
        }""",
        canvas.get_attribute("id"),
    )
    row = page.locator("table[data-table='velocity'] tbody tr").filter(has_text=bar["name"]).first
    items = int(row.locator("td").nth(2).inner_text())
    carried = int(
        re.match(r"(\d+) item", row.locator("td[data-metric='carry-over']").inner_text()).group(1)
    )  # type: ignore[union-attr]
    assert items > 0
    page.mouse.click(bar["x"], bar["y"])
    expect(page).to_have_url(re.compile(re.escape(bar["link"]) + "$"))
    assert "show=completed" in page.url
    expect(page.get_by_role("heading", level=1)).to_contain_text(bar["name"])
    expect(page.locator("[data-metric='listed']")).to_have_text(str(items))
    assert page.locator("tr[data-work-item]").count() == min(items, 50)

    page.go_back()
    row = page.locator("table[data-table='velocity'] tbody tr").filter(has_text=bar["name"]).first
    row.locator("td[data-metric='carry-over'] a").click()
    expect(page).to_have_url(re.compile(r"/sprints/\d+/\?.*show=carried_over"))
    expect(page.locator("[data-metric='listed']")).to_have_text(str(carried))
