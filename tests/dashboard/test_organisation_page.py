"""/organisation/: every team of the user's side by side, sortable by plain links, each row linking
to its team's overview with the same window; linked from the header for users of several teams."""

import re
from datetime import timedelta

import pytest

from metrics import derived
from metrics.ingest import ingest
from tests.api.conftest import T0, merged
from tests.factories import TeamFactory, UserFactory, make_integration
from tests.metrics.test_derived import deployment

pytestmark = pytest.mark.django_db

WINDOW = "since=2026-09-28&until=2026-10-11"
HTML_WINDOW = WINDOW.replace("&", "&amp;")  # as an attribute of the page says it


@pytest.fixture
def member():
    return UserFactory()


def team_with_merges(name: str, member, count: int):
    team = TeamFactory(name=name, slug=name.lower(), members=[member])
    integration = make_integration(team)
    ingest(
        integration,
        [deployment(f"{name}-d0", T0 - timedelta(days=2))]
        + [merged(n, T0) for n in range(1, count + 1)],
    )
    derived.refresh(integration)
    return team


def row_order(html: str) -> list[str]:
    return re.findall(r'<tr data-team="([^"]+)">', html)


def test_the_page_lists_the_user_s_teams_with_links_to_their_overviews(client, member):
    team_with_merges("Payments", member, 2)
    team_with_merges("Search", member, 5)
    team_with_merges("Hidden", UserFactory(), 1)
    client.force_login(member)
    response = client.get(f"/organisation/?{WINDOW}")
    assert response.status_code == 200
    html = response.content.decode()
    assert row_order(html) == ["payments", "search"]
    assert f'href="/teams/search/?{HTML_WINDOW}"' in html
    assert "Hidden" not in html
    cells = re.findall(r'<td data-metric="pull_requests_merged">(\d+)</td>', html)
    assert cells == ["2", "5"]


def test_a_column_header_sorts_and_sorts_back(client, member):
    team_with_merges("Payments", member, 2)
    team_with_merges("Search", member, 5)
    client.force_login(member)
    html = client.get(f"/organisation/?{WINDOW}").content.decode()
    link = re.search(r'data-column="pull_requests_merged"><a href="([^"]+)"', html).group(1)
    assert link == f"?{HTML_WINDOW}&amp;sort=pull_requests_merged"
    ascending = client.get(f"/organisation/?{WINDOW}&sort=pull_requests_merged").content.decode()
    assert row_order(ascending) == ["payments", "search"]
    assert 'aria-sort="ascending"' in ascending
    back = re.search(r'data-column="pull_requests_merged"[^>]*><a href="([^"]+)"', ascending)
    assert back.group(1) == f"?{HTML_WINDOW}&amp;sort=-pull_requests_merged"
    descending = client.get(f"/organisation/?{WINDOW}&sort=-pull_requests_merged")
    assert row_order(descending.content.decode()) == ["search", "payments"]


def test_bad_filters_say_so_and_show_the_default_window(client, member):
    team_with_merges("Payments", member, 1)
    client.force_login(member)
    response = client.get("/organisation/?since=2026-10-12&until=2026-10-11&sort=-wip")
    assert response.status_code == 200
    assert "The start date is after the end date." in response.content.decode()
    assert row_order(response.content.decode()) == ["payments"]
    assert client.get("/organisation/?sort=bogus&since=x").status_code == 200


def test_the_header_links_the_page_for_users_of_several_teams_only(client, member):
    first = team_with_merges("Payments", member, 1)
    client.force_login(member)
    assert 'href="/organisation/"' not in client.get(f"/teams/{first.slug}/").content.decode()
    TeamFactory(name="Search", slug="search", members=[member])
    assert 'href="/organisation/"' in client.get(f"/teams/{first.slug}/").content.decode()


def test_signed_out_visitors_are_sent_to_sign_in(client):
    response = client.get("/organisation/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
