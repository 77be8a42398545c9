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
