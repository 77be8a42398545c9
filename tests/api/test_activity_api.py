"""The activity lists of the JSON API on known data: fields, filters, ordering, pagination,
permissions, CSV exports, token throttling and the error shape."""

import csv
import io

import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from metrics.ingest import ingest
from tests.api.conftest import T0, merged
from tests.factories import TeamFactory, UserFactory, make_integration

pytestmark = pytest.mark.django_db


def test_pull_requests_carry_the_contract_fields_and_their_stage_times(client, github):
    body = client.get("/api/pull-requests/").json()
    assert body["count"] == 4
    first = next(pr for pr in body["results"] if pr["number"] == 2)
    for field in (
        "repository", "number", "title", "author", "state", "created_at", "merged_at",
        "closed_at", "additions", "deletions", "coding_time_minutes", "pickup_time_minutes",
        "review_time_minutes", "deploy_time_minutes", "cycle_time_minutes",
    ):  # fmt: skip
        assert field in first, field
    assert first["size"] == first["additions"] + first["deletions"]
    assert first["deploy_time_minutes"] is not None  # shipped by d1
    assert first["cycle_time_minutes"] >= first["deploy_time_minutes"]


@pytest.mark.parametrize(
    ("query", "numbers"),
    [
        ("state=open", [4]),
        ("state=merged&repository=acme/web", [2, 1]),
        ("merged_after=2026-10-02T00:00:00Z", [3, 2]),
        ("merged_before=2026-10-02T00:00:00Z", [1]),
        ("ordering=number", [1, 2, 3, 4]),
        ("ordering=-cycle_time_minutes&state=merged", None),
    ],
)
def test_pull_request_filters_and_ordering(client, github, query, numbers):
    results = client.get(f"/api/pull-requests/?{query}").json()["results"]
    if numbers is None:
        cycles = [pr["cycle_time_minutes"] for pr in results]
        assert cycles == sorted(cycles, reverse=True)
    else:
        assert [pr["number"] for pr in results] == numbers


def test_team_and_integration_filters_and_other_teams_data_stays_invisible(
    client, github, jira, member
):
    other_team = TeamFactory()
    stranger = make_integration(other_team)
    ingest(stranger, [merged(99, T0)])
    assert client.get("/api/pull-requests/").json()["count"] == 4
    assert client.get(f"/api/pull-requests/?team={github.team_id}").json()["count"] == 4
    assert client.get(f"/api/pull-requests/?team={other_team.pk}").json()["count"] == 0
    assert client.get(f"/api/pull-requests/?integration={github.pk}").json()["count"] == 4


@pytest.mark.parametrize(
    "path",
    ["/api/pull-requests/?{team}", "/api/pull-requests/?{integration}", "/api/integrations/?{team}",
     "/api/sync-runs/?{integration}", "/api/work-items/?{team}&{integration}"],
)  # fmt: skip
def test_another_teams_id_in_a_filter_answers_as_an_unknown_id_does(client, github, jira, path):
    other_team = TeamFactory()
    stranger = make_integration(other_team)
    ingest(stranger, [merged(99, T0)])
    unknown = stranger.pk + other_team.pk + 1000
    answers = []
    for team, integration in ((other_team.pk, stranger.pk), (unknown, unknown), (2**70, 2**70)):
        url = path.format(team=f"team={team}", integration=f"integration={integration}")
        response = client.get(url)
        answers.append((response.status_code, response.json()["count"]))
    assert answers == [(200, 0)] * 3


def test_the_browsable_filter_form_offers_only_your_teams_and_integrations(client, github):
    other_team = TeamFactory(name="Secret team")
    make_integration(other_team, name="Secret integration")
    for path in ("/api/integrations/", "/api/pull-requests/", "/api/sync-runs/"):
        page = client.get(path, HTTP_ACCEPT="text/html").content.decode()
        assert "Secret" not in page
    page = client.get("/api/pull-requests/", HTTP_ACCEPT="text/html").content.decode()
    assert f'value="{github.pk}"' in page and github.team.name in page


@pytest.mark.parametrize(
    ("query", "field"),
    [("is_draft=maybe", "is_draft"), ("page_size=0", "page_size"), ("page_size=501", "page_size"),
     ("page_size=ten", "page_size"), ("page_size=ten&format=csv", "page_size"),
     ("integration=one", "integration")],
)  # fmt: skip
def test_garbage_booleans_and_page_sizes_are_400(client, github, query, field):
    response = client.get(f"/api/pull-requests/?{query}")
    assert response.status_code == 400
    assert field in response.json()["fields"]


@pytest.mark.parametrize(
    "query", ["team=39.0", "team=1_0", "team=abc&team=1", "team=1&team=1", "integration=2.0"]
)
def test_an_id_filter_takes_one_whole_number_not_a_decimal_or_a_repeat(client, github, query):
    path = "/api/integrations/" if query.startswith("team") else "/api/pull-requests/"
    response = client.get(f"{path}?{query}")
    assert response.status_code == 400
    assert query.split("=")[0] in response.json()["fields"]


def test_empty_filters_filter_nothing_and_booleans_filter(client, github):
    everything = client.get("/api/pull-requests/?is_draft=&team=&integration=&page_size=")
    assert everything.status_code == 200 and everything.json()["count"] == 4
    assert client.get("/api/pull-requests/?is_draft=true").json()["count"] == 0
    assert client.get("/api/pull-requests/?is_draft=false").json()["count"] == 4


def test_pages_are_stable_and_ties_broken_by_id(client, team):
    integration = make_integration(team)
    ingest(integration, [merged(n, T0) for n in range(1, 8)])  # all created at the same time
    seen, url = [], "/api/pull-requests/?page_size=3"
    while url:
        page = client.get(url).json()
        assert page["count"] == 7
        seen += [pr["id"] for pr in page["results"]]
        url = page["next"]
    assert seen == sorted(seen, reverse=True) and len(seen) == len(set(seen)) == 7
    assert client.get("/api/pull-requests/?page_size=500").json()["count"] == 7


def test_deployments_work_items_and_sprints(client, github, jira):
    deployments = client.get("/api/deployments/?status=failure").json()
    assert [d["status"] for d in deployments["results"]] == ["failure"]

    items = client.get("/api/work-items/?status_category=done").json()["results"]
    assert [i["key"] for i in items] == ["ENG-1"]
    item = items[0]
    assert item["lead_time_minutes"] == 8 * 60
    assert item["sprints"] == ["Sprint 10"]
    assert item["started_at"] is None and item["done_at"] is not None

    sprints = client.get("/api/sprints/").json()["results"]
    assert sprints[0]["name"] == "Sprint 10"
    assert sprints[0]["committed_points"] == 3.0
    assert sprints[0]["completed_points"] == 3.0


def body(response) -> str:
    content = b"".join(response.streaming_content) if response.streaming else response.content
    return content.decode()


def test_csv_exports_every_row_with_the_json_fields(client, github):
    data = client.get("/api/pull-requests/?ordering=number").json()["results"]
    response = client.get("/api/pull-requests/?ordering=number&format=csv")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(body(response))))
    assert [int(row["number"]) for row in rows] == [pr["number"] for pr in data]
    assert list(rows[0]) == list(data[0])
    for row, pr in zip(rows, data, strict=True):
        for field, value in pr.items():
            assert row[field] == ("" if value is None else str(value)), field


FORMULAS = ['=HYPERLINK("http://x")', "+1+1", "-2+3", "@SUM(A1)", "\tcmd", "\rcmd"]


def test_csv_export_escapes_cells_a_spreadsheet_would_run_and_json_keeps_them(client, team):
    integration = make_integration(team)
    ingest(
        integration,
        [merged(n, T0, title=title) for n, title in enumerate([*FORMULAS, "plain - title"], 1)],
    )

    exported = client.get("/api/pull-requests/?ordering=number&format=csv")
    listed = client.get("/api/pull-requests/?ordering=number").json()["results"]

    rows = list(csv.DictReader(io.StringIO(body(exported), newline="")))
    assert [row["title"] for row in rows] == [*("'" + f for f in FORMULAS), "plain - title"]
    assert [pr["title"] for pr in listed] == [*FORMULAS, "plain - title"]


def test_csv_export_is_streamed_row_by_row(client, github):
    response = client.get("/api/pull-requests/?format=csv")

    assert response.streaming
    chunks = list(response.streaming_content)
    assert len(chunks) == 1 + 4  # the header, then one chunk per pull request
    assert chunks[0].decode().startswith("id,")


def test_a_bad_filter_on_a_csv_export_is_a_400_in_the_error_shape(client, github):
    response = client.get("/api/pull-requests/?format=csv&merged_after=yesterday")

    assert response.status_code == 400
    assert response.json()["code"] == "invalid"


def test_signed_out_clients_get_401_in_the_error_shape(github):
    response = APIClient().get("/api/pull-requests/")
    assert response.status_code == 401
    assert response.json() == {
        "code": "not_authenticated",
        "detail": "Authentication credentials were not provided.",
    }
    missing = APIClient()
    missing.force_authenticate(UserFactory())
    answer = missing.get(f"/api/pull-requests/{github.pk}/")
    assert answer.status_code == 404 and answer.json()["code"] == "not_found"


def test_token_clients_are_throttled_and_sessions_are_not(member, github, settings):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"token": "3/minute"},
    }
    token = Token.objects.create(user=member)
    scripted = APIClient()
    scripted.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    statuses = [scripted.get("/api/deployments/").status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    throttled = scripted.get("/api/deployments/")
    assert throttled.json()["code"] == "throttled"
    assert int(throttled["Retry-After"]) > 0

    browser = APIClient()
    browser.force_login(member)
    assert {browser.get("/api/deployments/").status_code for _ in range(5)} == {200}


def test_unknown_api_paths_answer_the_error_shape_and_pages_a_page(client):
    response = client.get("/api/no-such-thing/")
    assert response.status_code == 404
    assert response.json() == {"code": "not_found", "detail": "Not found."}
    page = client.get("/no-such-page/")
    assert page.status_code == 404
    assert "Page not found" in page.content.decode()
