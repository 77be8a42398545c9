"""/api/metrics/ and /api/metrics/timeseries/: the selectors' numbers, scoped and checked,
and a plain `requests` script that reads the metrics of a synced team over a live server."""

import csv
import io
import subprocess
import sys
from datetime import date

import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from metrics import selectors
from tests.conftest import REPO_ROOT
from tests.factories import TeamFactory, UserFactory, make_integration

pytestmark = pytest.mark.django_db

WINDOW = "since=2026-09-28&until=2026-10-11"


def test_metrics_of_a_team_are_the_selectors_numbers(client, team, github, jira):
    body = client.get(f"/api/metrics/?team={team.pk}&{WINDOW}").json()
    scope = selectors.metric_scope(team, since=date(2026, 9, 28), until=date(2026, 10, 11))
    expected = selectors.team_metrics(scope)
    assert body["window"] == {
        "since": "2026-09-28",
        "until": "2026-10-11",
        "time_zone": team.time_zone,
        "integrations": [github.pk, jira.pk],
        "data_start": str(scope.data_start_day),
    }
    assert body["dora"]["deployment_frequency"]["deployments"] == 2
    assert body["dora"]["change_failure_rate"] == {
        "deployments": 3,
        "failed": 1,
        "rate": 1 / 3,
        # The fixture stores no incident: the rate counts the failed status, the band is n/a.
        "band": None,
        "reason": "no_incidents_labelled",
        "unlinked_incidents": [],
    }
    assert (
        body["pull_requests"]["throughput"]["merged"]
        == expected["pull_requests"]["throughput"]["merged"]
        == 3
    )
    assert (
        body["pull_requests"]["stages"]["cycle"]["median"]
        == expected["pull_requests"]["stages"]["cycle"]["median"]
    )
    assert body["work_items"]["throughput"]["done"] == 1
    assert body["sprints"]["boards"][0]["sprints"][0]["committed_points"] == 3.0
    assert len(body["work_items"]["cumulative_flow"]) == 14


def test_velocity_reaches_back_past_a_window_no_sprint_closed_in(client, team, jira):
    body = client.get(f"/api/metrics/?integration={jira.pk}&since=2026-10-20&until=2026-10-26")
    (board,) = body.json()["sprints"]["boards"]
    assert board["sprints"] == []  # Sprint 10 closed on Oct 8
    assert board["velocity"] == {
        "sprints": ["10"],
        "names": ["Sprint 10"],
        "completed_points": [3.0],
        "mean": 3.0,
        "completed_items": [1],
        "mean_items": 1.0,
        "last": 6,
        "committed_points": [3.0],
        "say_do": [1.0],
        "carry_over_items": [0],
        "carry_over_points": [0.0],
    }
    assert board["active_sprint"] is None


def test_one_integration_narrows_the_scope(client, team, github, jira):
    body = client.get(f"/api/metrics/?integration={jira.pk}&{WINDOW}").json()
    assert body["window"]["integrations"] == [jira.pk]
    assert body["pull_requests"]["throughput"]["merged"] == 0
    assert body["work_items"]["throughput"]["done"] == 1


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("team=1&since=2026-10-11&until=2026-10-01", "since"),
        ("team=1&since=yesterday", "since"),
        ("team=abc", "team"),
    ],
)
def test_bad_metric_queries_get_400_with_the_field_named(client, team, query, field):
    query = query.replace("team=1", f"team={team.pk}")
    response = client.get(f"/api/metrics/?{query}")
    assert response.status_code == 400
    assert response.json()["code"] == "invalid"
    assert field in response.json()["fields"]


def test_without_team_or_integration_the_metrics_cover_all_your_teams(client, member, team, github):
    second = TeamFactory(members=[member])
    jira = make_integration(second, kind="jira")
    make_integration(TeamFactory(), kind="trello")  # not the user's
    window = client.get("/api/metrics/?since=2026-10-01&until=2026-10-07").json()["window"]
    assert window["integrations"] == sorted([github.pk, jira.pk])
    one = client.get(f"/api/metrics/?team={team.pk}&since=2026-10-01&until=2026-10-07").json()
    assert one["window"]["integrations"] == [github.pk]


def test_other_teams_metrics_are_404(client, github):
    other = TeamFactory()
    stranger = make_integration(other)
    assert client.get(f"/api/metrics/?team={other.pk}").status_code == 404
    assert client.get(f"/api/metrics/?integration={stranger.pk}").status_code == 404
    both = client.get(f"/api/metrics/?team={github.team_id}&integration={stranger.pk}")
    assert both.status_code == 404
    unknown = other.pk + stranger.pk + 1000
    assert client.get(f"/api/metrics/?team={unknown}").status_code == 404
    assert client.get(f"/api/metrics/?integration={unknown}").status_code == 404
    assert client.get(f"/api/metrics/?team={2**70}").status_code == 404
    outsider = APIClient()
    outsider.force_authenticate(UserFactory())
    assert outsider.get(f"/api/metrics/?team={github.team_id}").status_code == 404


def test_timeseries_per_interval_and_as_csv(client, team, github):
    body = client.get(
        f"/api/metrics/timeseries/?team={team.pk}&metric=pull_requests_merged&interval=day&{WINDOW}"
    ).json()
    assert body["metric"] == "pull_requests_merged" and body["interval"] == "day"
    assert len(body["points"]) == 14
    assert sum(p["value"] for p in body["points"]) == 3
    stages = client.get(
        f"/api/metrics/timeseries/?team={team.pk}&metric=pull_request_stages&{WINDOW}"
    ).json()
    assert any(p["stages"] and p["stages"]["cycle"] for p in stages["points"])

    exported = client.get(
        f"/api/metrics/timeseries/?team={team.pk}&metric=pull_requests_merged&interval=day"
        f"&{WINDOW}&format=csv"
    )
    rows = list(csv.DictReader(io.StringIO(exported.content.decode())))
    assert [(r["period"], float(r["value"])) for r in rows] == [
        (p["period"], float(p["value"])) for p in body["points"]
    ]
    wrong = client.get(f"/api/metrics/timeseries/?team={team.pk}&metric=nope")
    assert wrong.status_code == 400 and "metric" in wrong.json()["fields"]
    wrong = client.get(
        f"/api/metrics/timeseries/?team={team.pk}&metric=deployments&interval=fortnight"
    )
    assert wrong.status_code == 400 and "interval" in wrong.json()["fields"]


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_plain_requests_script_reads_the_metrics_of_a_synced_team(live_server, sandbox, settings):
    from tests.metrics.test_sandbox_metrics import synced_team

    settings.AGILETRACK_ALLOWED_API_HOSTS = ["127.0.0.1:*"]
    settings.CELERY_TASK_DEFAULT_QUEUE = "agiletrack-api-test-unused"
    settings.AGILETRACK_PRIORITY_QUEUE = "agiletrack-api-test-unused"
    demo = synced_team(sandbox, "UTC")
    user = UserFactory()
    demo.members.add(user)
    token = Token.objects.create(user=user)
    command = [
        sys.executable, "scripts/agiletrack_metrics.py", "--url", live_server.url,
        "--token", token.key, "--team", demo.slug, "--since", "2026-07-01", "--until", "2026-10-31",
    ]  # fmt: skip

    printed = subprocess.run(command, cwd=REPO_ROOT, capture_output=True, text=True, timeout=60)

    assert printed.returncode == 0, printed.stderr
    assert "Deployment frequency" in printed.stdout
    scope = selectors.metric_scope(demo, since=date(2026, 7, 1), until=date(2026, 10, 31))
    merged = selectors.team_metrics(scope)["pull_requests"]["throughput"]["merged"]
    assert merged > 100
    assert f"PRs merged{merged:>{16 + 24 - len('PRs merged')}}" in printed.stdout
    refused = subprocess.run(
        [*command[:4], "--token", "wrong", *command[6:]],
        cwd=REPO_ROOT, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert refused.returncode != 0 and "401" in refused.stderr


def _nullable_to_json_schema(node):
    """OpenAPI 3.0's `nullable: true` as JSON Schema (a null alternative)."""
    if isinstance(node, dict):
        node = {key: _nullable_to_json_schema(value) for key, value in node.items()}
        if node.pop("nullable", False):
            node = {"anyOf": [node, {"type": "null"}]}
        return node
    if isinstance(node, list):
        return [_nullable_to_json_schema(value) for value in node]
    return node


@pytest.mark.parametrize(
    ("path", "component"),
    [("/api/metrics/", "Metrics"), ("/api/metrics/timeseries/", "Timeseries")],
)
def test_the_schemas_response_examples_match_the_schema(client, path, component):
    import jsonschema

    schema = client.get("/api/schema/?format=json").json()
    example = schema["paths"][path]["get"]["responses"]["200"]["content"]["application/json"][
        "examples"
    ]
    value = next(iter(example.values()))["value"]
    definitions = _nullable_to_json_schema(schema["components"]["schemas"])
    target = {**definitions[component], "components": {"schemas": definitions}}
    jsonschema.validate(value, target)
    assert value["window"]["integrations"]
