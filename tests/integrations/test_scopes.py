"""The form pickers' endpoint (POST /teams/<slug>/integrations/scopes/): what the entered, or
stored, credentials can read, for staff only, in plain words, never repeating a credential."""

import json

import pytest
from django.test import Client
from rest_framework.test import APIClient

from integrations import services
from tests.factories import TeamFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _sandbox_allowed(settings):
    settings.AGILETRACK_ALLOWED_API_HOSTS = ["127.0.0.1:*"]


@pytest.fixture
def team():
    return TeamFactory()


def client_for(team, staff=True, **kwargs) -> Client:
    user = UserFactory(is_staff=staff)
    team.members.add(user)
    client = Client(**kwargs)
    client.force_login(user)
    return client


def ask(client, team, **body):
    return client.post(
        f"/teams/{team.slug}/integrations/scopes/",
        data=json.dumps(body),
        content_type="application/json",
    )


def github_body(box, **extra) -> dict:
    info = box.info["github"]
    return {
        "kind": "github",
        "config": {"api_url": info["api_url"]},
        "credentials": {"token": info["token"]},
        **extra,
    }


def test_staff_see_the_repositories_the_entered_token_reads(sandbox, team):
    response = ask(client_for(team), team, **github_body(sandbox, query="", cursor=None))

    assert response.status_code == 200
    body = response.json()
    assert sorted(i["value"] for i in body["items"]) == sorted(
        sandbox.info["github"]["repositories"]
    )
    assert set(body["items"][0]) == {"value", "label", "detail"}
    assert (body["next_cursor"], body["searched_on_server"]) == (None, False)
    assert sandbox.info["github"]["token"] not in response.content.decode()


def test_jira_boards_are_searched_and_trello_boards_filtered(sandbox, team):
    client = client_for(team)
    jira, trello = sandbox.info["jira"], sandbox.info["trello"]
    board = jira["boards"][0]

    found = ask(
        client,
        team,
        kind="jira",
        config={"site_url": jira["site_url"], "board_id": None},
        credentials={"email": jira["email"], "api_token": jira["api_token"]},
        query=board["project_key"].lower(),
    ).json()
    cards = ask(
        client,
        team,
        kind="trello",
        config={"api_url": trello["api_url"]},
        credentials={"key": trello["key"], "token": trello["token"]},
        query=trello["boards"][1]["name"],
    ).json()

    assert [i["value"] for i in found["items"]] == [str(board["id"])]
    assert found["searched_on_server"] is True
    assert [i["value"] for i in cards["items"]] == [trello["boards"][1]["id"]]


def test_a_refused_token_is_explained_without_repeating_it(sandbox, team):
    body = github_body(sandbox, credentials={"token": "ghp_revoked_value"})

    response = ask(client_for(team), team, **body)

    assert response.status_code == 400
    assert "credentials" in response.json()["error"]
    assert "ghp_revoked_value" not in response.content.decode()


def test_missing_credentials_are_named(sandbox, team):
    response = ask(client_for(team), team, **github_body(sandbox, credentials={"token": ""}))

    assert response.status_code == 400
    assert response.json() == {"error": "Enter the Token first."}


def test_an_address_integrations_may_not_reach_is_refused_before_any_request(team):
    body = {"kind": "github", "config": {"api_url": "http://10.0.0.8/api"}, "credentials": {}}
    body["credentials"] = {"token": "ghp_x"}

    response = ask(client_for(team), team, **body)

    assert response.status_code == 400
    assert response.json()["error"].startswith("The API address (api_url):")


def stored_github(box, team):
    info = box.info["github"]
    return services.create_integration(
        team=team,
        kind="github",
        name="gh",
        config={"api_url": info["api_url"], "repositories": info["repositories"][:1]},
        credentials={"token": info["token"]},
        is_active=False,
    )


def test_an_empty_token_uses_the_stored_one_for_the_same_address(sandbox, team):
    integration = stored_github(sandbox, team)
    body = github_body(sandbox, credentials={"token": ""}, integration=integration.pk)

    response = ask(client_for(team), team, **body)

    assert response.status_code == 200
    assert len(response.json()["items"]) == len(sandbox.info["github"]["repositories"])


def test_stored_credentials_never_go_to_another_address(sandbox, team):
    integration = stored_github(sandbox, team)
    elsewhere = {"api_url": "http://127.0.0.1:9"}  # allowlisted, but not the origin they were for
    body = github_body(
        sandbox, config=elsewhere, credentials={"token": ""}, integration=integration.pk
    )

    response = ask(client_for(team), team, **body)

    assert response.status_code == 400
    assert "enter them again" in response.json()["error"]


def test_another_teams_integration_is_not_found(sandbox, team):
    other = stored_github(sandbox, TeamFactory())
    body = github_body(sandbox, credentials={"token": ""}, integration=other.pk)

    assert ask(client_for(team), team, **body).status_code == 404


def test_members_who_are_not_staff_are_refused_and_visitors_sent_to_sign_in(sandbox, team):
    assert ask(client_for(team, staff=False), team, **github_body(sandbox)).status_code == 403
    visitor = ask(Client(), team, **github_body(sandbox))
    assert visitor.status_code == 302 and "/accounts/login/" in visitor["Location"]


def test_the_endpoint_needs_the_csrf_token(sandbox, team):
    client = client_for(team, enforce_csrf_checks=True)

    assert ask(client, team, **github_body(sandbox)).status_code == 403


def test_malformed_requests_are_answered_in_words(team):
    client = client_for(team)
    url = f"/teams/{team.slug}/integrations/scopes/"

    not_json = client.post(url, data="kind=github", content_type="text/plain")
    unknown = ask(client, team, kind="gitlab", credentials={"token": "x"})

    assert not_json.json() == {"error": "Send the request as a JSON object."}
    assert unknown.json() == {"error": "This kind of integration has nothing to choose from."}


# --- The same through the API ---------------------------------------------------------------


def api_client(team, staff=True) -> APIClient:
    user = UserFactory(is_staff=staff)
    team.members.add(user)
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_the_api_lists_scopes_for_staff_and_answers_errors_in_its_shape(sandbox, team):
    client = api_client(team)
    integration = stored_github(sandbox, team)

    listed = client.post(
        "/api/integrations/scopes/",
        github_body(sandbox, credentials={}, integration=integration.pk),
        format="json",
    )
    refused = client.post(
        "/api/integrations/scopes/",
        github_body(sandbox, credentials={"token": "ghp_revoked_value"}),
        format="json",
    )
    member = api_client(team, staff=False).post(
        "/api/integrations/scopes/", github_body(sandbox), format="json"
    )

    assert listed.status_code == 200
    assert len(listed.json()["items"]) == len(sandbox.info["github"]["repositories"])
    assert refused.status_code == 400
    assert refused.json()["code"] == "invalid"
    assert "rejected the credentials" in refused.json()["fields"]["non_field_errors"][0]
    assert "ghp_revoked_value" not in refused.content.decode()
    assert member.status_code == 403


def test_the_api_schema_documents_the_scopes_operation(team):
    schema = api_client(team, staff=False).get("/api/schema/?format=json").json()

    operation = schema["paths"]["/api/integrations/scopes/"]["post"]
    assert "ScopeRequest" in str(operation["requestBody"])
    assert "ScopePage" in str(operation["responses"]["200"])
