"""The admin's main lists fit a 1280 px wide screen: chosen columns, no sideways scrolling of
the page or of the list itself, over the demo data (long titles, many runs)."""

import pytest

from tests.browser.conftest import screenshot, sign_in
from tests.browser.test_dashboard import _sandbox_allowed as _sandbox_allowed
from tests.factories import UserFactory
from tests.metrics.test_sandbox_metrics import synced_team

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

PASSWORD = "correct horse battery"
CHANGELISTS = [
    "integrations/team",
    "integrations/integration",
    "integrations/syncrun",
    "integrations/synccursor",
    "metrics/pullrequest",
    "metrics/deployment",
    "metrics/incident",
    "metrics/workitem",
    "metrics/sprint",
    "django_celery_beat/periodictask",
    "django_celery_results/taskresult",
    "agiletrack/apikey",
]


def test_the_main_admin_lists_fit_1280_px(page, live_server, sandbox):
    synced_team(sandbox, "UTC")
    admin = UserFactory(is_staff=True, is_superuser=True)
    sign_in(page, live_server, admin, PASSWORD)
    too_wide = {}
    for model in CHANGELISTS:
        response = page.goto(f"{live_server.url}/admin/{model}/")
        assert response is not None and response.status == 200, model
        assert page.locator("#result_list tbody tr, p.paginator").count() > 0, model
        overflow = page.evaluate(
            """() => {
                const root = document.documentElement;
                const page = root.scrollWidth - root.clientWidth;
                const list = document.querySelector('#changelist .results');
                return Math.max(page, list ? list.scrollWidth - list.clientWidth : 0);
            }"""
        )
        if overflow > 0:
            too_wide[model] = overflow
            screenshot(page, f"admin-too-wide-{model.replace('/', '-')}")
    assert too_wide == {}
    screenshot(page, "admin-apikey-list-1280")
