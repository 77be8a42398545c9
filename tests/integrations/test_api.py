"""The integrations API: the permission matrix, write-only credentials and per-field errors."""

import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from integrations.models import Integration
from tests.factories import (
    API_HOST,
    CONFIGS,
    CREDENTIALS,
    SENTINEL_TOKEN,
    TeamFactory,
    UserFactory,
    make_integration,
)

pytestmark = pytest.mark.django_db

ROLES = ("anonymous", "member", "non_member", "staff", "staff_outsider", "superuser")


@pytest.fixture
def world():
    """Team A with a member and a staff member, team B with another user, plus outsiders."""
    people = {
        "member": UserFactory(),
        "non_member": UserFactory(),
        "staff": UserFactory(is_staff=True),
        "staff_outsider": UserFactory(is_staff=True),
        "superuser": UserFactory(is_staff=True, is_superuser=True),
    }
    team_a = TeamFactory(members=[people["member"], people["staff"]])
    team_b = TeamFactory(members=[people["non_member"]])
    return {
        "people": people,
        "team_a": team_a,
        "team_b": team_b,
        "integration_a": make_integration(team_a, name="a-github"),
        "integration_b": make_integration(team_b, kind="trello", name="b-trello"),
    }


def client_for(world, role: str) -> APIClient:
    client = APIClient()
    if role != "anonymous":
        client.force_authenticate(world["people"][role])
    return client


def new_integration_body(team_id: int) -> dict:
    return {
        "team": team_id,
        "kind": "github",
        "name": "new",
        "config": CONFIGS["github"],
        "credentials": CREDENTIALS["github"],
    }


EXPECTED = {
    # role: (list teams, get team A, get integration A, create in A, patch A, delete A)
    "anonymous": (401, 401, 401, 401, 401, 401),
    "member": (200, 200, 200, 403, 403, 403),
    "non_member": (200, 404, 404, 403, 403, 403),
    "staff": (200, 200, 200, 201, 200, 204),
    "staff_outsider": (200, 404, 404, 400, 404, 404),
    "superuser": (200, 200, 200, 201, 200, 204),
}


@pytest.mark.parametrize("role", ROLES)
def test_permission_matrix(world, role):
    client = client_for(world, role)
    team_a, integration_a = world["team_a"], world["integration_a"]
    url = f"/api/integrations/{integration_a.pk}/"

    statuses = (
        client.get("/api/teams/").status_code,
        client.get(f"/api/teams/{team_a.pk}/").status_code,
        client.get(url).status_code,
        client.post(
            "/api/integrations/", new_integration_body(team_a.pk), format="json"
        ).status_code,
        client.patch(url, {"name": "renamed"}, format="json").status_code,
        client.delete(url).status_code,
    )

    assert statuses == EXPECTED[role]


@pytest.mark.parametrize(
    ("role", "visible"),
    [
        ("member", {"a-github"}),
        ("non_member", {"b-trello"}),
        ("staff", {"a-github"}),
        ("staff_outsider", set()),
        ("superuser", {"a-github", "b-trello"}),
    ],
)
def test_lists_show_only_the_users_teams(world, role, visible):
    client = client_for(world, role)

    names = {row["name"] for row in client.get("/api/integrations/").json()["results"]}

    assert names == visible


def test_anonymous_requests_are_told_how_to_authenticate(world):
    response = APIClient().get("/api/integrations/")

    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"


def test_token_authentication_works(world):
    token = Token.objects.create(user=world["people"]["member"])
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")

    response = client.get("/api/integrations/")

    assert response.status_code == 200
    assert response.json()["count"] == 1


def test_create_returns_the_integration_without_credentials(world):
    client = client_for(world, "staff")

    response = client.post(
        "/api/integrations/", new_integration_body(world["team_a"].pk), format="json"
    )

    assert response.status_code == 201
    body = response.json()
    assert body["status"] == "pending"
    assert body["last_sync_at"] is None
    assert body["has_credentials"] is True
    assert body["config"]["deployment_source"] == "deployments"
    assert "credentials" not in body
    assert SENTINEL_TOKEN not in response.content.decode()


@pytest.mark.parametrize("role", ["member", "staff", "superuser"])
def test_no_response_ever_contains_a_token(world, role):
    client = client_for(world, role)
    pages = [
        client.get("/api/integrations/"),
        client.get(f"/api/integrations/{world['integration_a'].pk}/"),
        client.get("/api/integrations/", {"kind": "trello"}),
        client.patch(
            f"/api/integrations/{world['integration_a'].pk}/",
            {"credentials": {"token": SENTINEL_TOKEN, "extra": SENTINEL_TOKEN}},
            format="json",
        ),
    ]

    for response in pages:
        assert SENTINEL_TOKEN not in response.content.decode()


def test_invalid_input_gets_per_field_errors_and_stores_nothing(world):
    client = client_for(world, "staff")
    body = new_integration_body(world["team_a"].pk)
    body["config"] = {"api_url": f"https://{API_HOST}", "repositories": ["nope"], "x": 1}
    body["credentials"] = {}

    response = client.post("/api/integrations/", body, format="json")

    assert response.status_code == 400
    errors = response.json()["fields"]
    assert "owner/name" in str(errors["config"]["repositories"])
    assert errors["config"]["x"] == ["Unknown key."]
    assert Integration.objects.filter(name="new").count() == 0


def test_credentials_are_required_on_create(world):
    body = new_integration_body(world["team_a"].pk)
    del body["credentials"]

    response = client_for(world, "staff").post("/api/integrations/", body, format="json")

    assert response.status_code == 400
    assert response.json()["fields"]["credentials"] == ["This field is required."]


def test_a_private_api_url_is_refused(world):
    body = new_integration_body(world["team_a"].pk)
    body["config"] = {"api_url": "https://169.254.169.254", "repositories": ["a/b"]}

    response = client_for(world, "staff").post("/api/integrations/", body, format="json")

    assert response.status_code == 400
    assert "private, loopback, link-local" in str(response.json()["fields"]["config"]["api_url"])


def test_a_failed_update_keeps_what_was_stored(world):
    integration = world["integration_a"]
    client = client_for(world, "staff")

    response = client.patch(
        f"/api/integrations/{integration.pk}/",
        {"config": {"repositories": []}, "credentials": {"token": 5}},
        format="json",
    )

    assert response.status_code == 400
    integration.refresh_from_db()
    assert integration.config["repositories"] == ["acme/web"]
    from integrations.services import get_credentials

    assert get_credentials(integration) == {"token": SENTINEL_TOKEN}


def test_kind_and_team_cannot_change(world):
    url = f"/api/integrations/{world['integration_a'].pk}/"
    client = client_for(world, "superuser")

    kind = client.patch(url, {"kind": "jira"}, format="json")
    team = client.patch(url, {"team": world["team_b"].pk}, format="json")

    assert kind.status_code == team.status_code == 400
    assert kind.json()["fields"]["kind"] == ["The kind cannot change."]


def test_duplicate_names_in_a_team_are_refused(world):
    body = new_integration_body(world["team_a"].pk)
    body["name"] = "a-github"

    response = client_for(world, "staff").post("/api/integrations/", body, format="json")

    assert response.status_code == 400
    assert "unique" in str(response.json()).lower()


def test_integrations_filter_by_team_kind_and_status(world):
    client = client_for(world, "superuser")
    make_integration(world["team_a"], kind="jira", name="a-jira")
    Integration.objects.filter(name="a-jira").update(status="auth_failed")

    def names(**params) -> set[str]:
        return {r["name"] for r in client.get("/api/integrations/", params).json()["results"]}

    assert names(team=world["team_a"].pk) == {"a-github", "a-jira"}
    assert names(kind="trello") == {"b-trello"}
    assert names(status="auth_failed") == {"a-jira"}
    assert client.get("/api/integrations/", {"kind": "svn"}).status_code == 400


def test_teams_list_members(world):
    response = client_for(world, "member").get("/api/teams/")

    (team,) = response.json()["results"]
    usernames = {member["username"] for member in team["members"]}
    assert usernames == {world["people"]["member"].username, world["people"]["staff"].username}
