"""Webhooks: signatures checked over the raw body; a valid call debounces one sync."""

import base64
import hashlib
import hmac
import json

import pytest

from integrations import services
from integrations.models import SyncRun
from metrics.cache import data_version
from tests.factories import CREDENTIALS, TeamFactory, make_integration

pytestmark = pytest.mark.django_db

SECRET = "whsec-sandbox-0001"
BODY = json.dumps({"action": "closed", "number": 7}).encode()


@pytest.fixture
def integrations():
    team = TeamFactory()
    made = {}
    for kind in ("github", "jira", "trello"):
        integration = make_integration(team, kind=kind, name=f"{kind}-hooks")
        services.update_integration(
            integration, credentials={**CREDENTIALS[kind], "webhook_secret": SECRET}
        )
        SyncRun.objects.filter(integration=integration).delete()  # the initial run
        made[kind] = integration
    return made


def sha256(body: bytes) -> str:
    return "sha256=" + hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()


def webhook_runs(integration) -> int:
    return SyncRun.objects.filter(integration=integration, trigger="webhook").count()


def test_signed_github_delivery_queues_one_sync_and_invalidates_metrics(client, integrations):
    integration = integrations["github"]
    version = data_version(integration.pk)
    url = f"/webhooks/github/{integration.pk}/"
    headers = {"HTTP_X_HUB_SIGNATURE_256": sha256(BODY), "HTTP_X_GITHUB_EVENT": "pull_request"}

    first = client.post(url, BODY, content_type="application/json", **headers)
    second = client.post(url, BODY, content_type="application/json", **headers)

    assert first.status_code == second.status_code == 202
    assert first.json()["queued"] is True
    assert second.json() == {"queued": False, "sync_run": first.json()["sync_run"]}
    assert webhook_runs(integration) == 1  # debounced into one sync
    assert data_version(integration.pk) > version


@pytest.mark.parametrize(
    "headers",
    [{}, {"HTTP_X_HUB_SIGNATURE_256": "sha256=" + "0" * 64}, {"HTTP_X_HUB_SIGNATURE_256": "x"}],
)
def test_bad_github_signature_is_401_and_changes_nothing(client, integrations, headers):
    integration = integrations["github"]
    version = data_version(integration.pk)

    response = client.post(
        f"/webhooks/github/{integration.pk}/", BODY, content_type="application/json", **headers
    )

    assert response.status_code == 401
    assert webhook_runs(integration) == 0
    assert data_version(integration.pk) == version


def test_a_signature_over_another_body_is_refused(client, integrations):
    integration = integrations["github"]

    response = client.post(
        f"/webhooks/github/{integration.pk}/",
        BODY + b" ",
        content_type="application/json",
        HTTP_X_HUB_SIGNATURE_256=sha256(BODY),
    )

    assert response.status_code == 401


def test_github_ping_is_answered_without_a_sync(client, integrations):
    integration = integrations["github"]

    response = client.post(
        f"/webhooks/github/{integration.pk}/",
        b"{}",
        content_type="application/json",
        HTTP_X_HUB_SIGNATURE_256=sha256(b"{}"),
        HTTP_X_GITHUB_EVENT="ping",
    )

    assert response.status_code == 200
    assert webhook_runs(integration) == 0


def test_signed_jira_webhook_queues_a_sync(client, integrations):
    integration = integrations["jira"]

    response = client.post(
        f"/webhooks/jira/{integration.pk}/",
        BODY,
        content_type="application/json",
        HTTP_X_HUB_SIGNATURE=sha256(BODY),
    )

    assert response.status_code == 202
    assert webhook_runs(integration) == 1


def test_trello_head_check_and_signed_post(client, integrations):
    integration = integrations["trello"]
    url = f"/webhooks/trello/{integration.pk}/"
    callback = f"http://testserver{url}"
    digest = hmac.new(SECRET.encode(), BODY + callback.encode(), hashlib.sha1).digest()

    assert client.head(url).status_code == 200
    # The same answer for an id that does not exist: HEAD tells nothing about which exist.
    assert client.head("/webhooks/trello/999999/").status_code == 200
    bad = client.post(url, BODY, content_type="application/json", HTTP_X_TRELLO_WEBHOOK="AAAA")
    good = client.post(
        url,
        BODY,
        content_type="application/json",
        HTTP_X_TRELLO_WEBHOOK=base64.b64encode(digest).decode(),
    )

    assert bad.status_code == 401
    assert good.status_code == 202
    assert webhook_runs(integration) == 1


def test_webhooks_need_a_configured_secret_and_the_right_kind(client, integrations):
    plain = make_integration(TeamFactory(), name="no-secret")

    no_secret = client.post(
        f"/webhooks/github/{plain.pk}/",
        BODY,
        content_type="application/json",
        HTTP_X_HUB_SIGNATURE_256=sha256(BODY),
    )
    wrong_kind = client.post(
        f"/webhooks/jira/{integrations['github'].pk}/",
        BODY,
        content_type="application/json",
        HTTP_X_HUB_SIGNATURE=sha256(BODY),
    )

    assert no_secret.status_code == 401
    assert wrong_kind.status_code == 401  # as an unknown integration
    assert client.post("/webhooks/gitlab/1/", BODY, "application/json").status_code == 404
    assert client.get(f"/webhooks/github/{plain.pk}/").status_code == 405


def test_an_unknown_integration_answers_as_a_bad_signature_does(client, integrations):
    signed = {"HTTP_X_HUB_SIGNATURE_256": sha256(BODY)}
    unsigned = {"HTTP_X_HUB_SIGNATURE_256": "sha256=" + "0" * 64}

    unknown = client.post("/webhooks/github/999999/", BODY, "application/json", **signed)
    bad = client.post(
        f"/webhooks/github/{integrations['github'].pk}/", BODY, "application/json", **unsigned
    )

    assert unknown.status_code == bad.status_code == 401
    assert unknown.json() == bad.json()


@pytest.mark.parametrize(
    ("kind", "header"),
    [
        ("github", "HTTP_X_HUB_SIGNATURE_256"),
        ("jira", "HTTP_X_HUB_SIGNATURE"),
        ("trello", "HTTP_X_TRELLO_WEBHOOK"),
    ],
)
@pytest.mark.parametrize("value", ["sha256=é" + "0" * 63, "sha256=\u20ac", "\u00ff"])
def test_a_signature_with_non_ascii_characters_is_401_not_500(
    client, integrations, kind, header, value
):
    integration = integrations[kind]

    response = client.post(
        f"/webhooks/{kind}/{integration.pk}/", BODY, "application/json", **{header: value}
    )

    assert response.status_code == 401
    assert webhook_runs(integration) == 0


def test_a_repeated_github_delivery_is_handled_once(client, integrations):
    integration = integrations["github"]
    url = f"/webhooks/github/{integration.pk}/"
    headers = {
        "HTTP_X_HUB_SIGNATURE_256": sha256(BODY),
        "HTTP_X_GITHUB_EVENT": "pull_request",
        "HTTP_X_GITHUB_DELIVERY": "72d3162e-cc78-11e3-81ab-4c9367dc0958",
    }

    first = client.post(url, BODY, "application/json", **headers)
    SyncRun.objects.filter(integration=integration).update(status=SyncRun.Status.SUCCEEDED)
    repeat = client.post(url, BODY, "application/json", **headers)
    other = client.post(
        url, BODY, "application/json", **{**headers, "HTTP_X_GITHUB_DELIVERY": "another-guid"}
    )

    assert first.status_code == 202
    assert repeat.status_code == 200
    assert repeat.json() == {"queued": False, "reason": "repeated delivery"}
    assert other.status_code == 202 and other.json()["queued"] is True
    assert webhook_runs(integration) == 2  # the first and the other; the repeat queued nothing


def test_a_repeated_jira_delivery_changes_nothing(client, integrations):
    integration = integrations["jira"]
    url = f"/webhooks/jira/{integration.pk}/"
    headers = {
        "HTTP_X_HUB_SIGNATURE": sha256(BODY),
        "HTTP_X_ATLASSIAN_WEBHOOK_IDENTIFIER": "1716214574918",
    }

    client.post(url, BODY, "application/json", **headers)
    SyncRun.objects.filter(integration=integration).update(status=SyncRun.Status.SUCCEEDED)
    version = data_version(integration.pk)
    repeat = client.post(url, BODY, "application/json", **headers)

    assert repeat.status_code == 200
    assert webhook_runs(integration) == 1
    assert data_version(integration.pk) == version  # cached metrics kept


def test_a_repeated_trello_action_is_handled_once(client, integrations):
    integration = integrations["trello"]
    url = f"/webhooks/trello/{integration.pk}/"
    body = json.dumps({"action": {"id": "5f1e2d3c4b5a69788796a5b4"}, "model": {}}).encode()
    digest = hmac.new(SECRET.encode(), body + f"http://testserver{url}".encode(), hashlib.sha1)
    signature = base64.b64encode(digest.digest()).decode()

    first = client.post(url, body, "application/json", HTTP_X_TRELLO_WEBHOOK=signature)
    SyncRun.objects.filter(integration=integration).update(status=SyncRun.Status.SUCCEEDED)
    repeat = client.post(url, body, "application/json", HTTP_X_TRELLO_WEBHOOK=signature)

    assert first.status_code == 202
    assert repeat.status_code == 200
    assert webhook_runs(integration) == 1


def test_an_unsigned_repeat_does_not_use_up_a_delivery_id(client, integrations):
    integration = integrations["github"]
    url = f"/webhooks/github/{integration.pk}/"
    delivery = {"HTTP_X_GITHUB_DELIVERY": "guid-1"}

    forged = client.post(
        url, BODY, "application/json", HTTP_X_HUB_SIGNATURE_256="sha256=" + "0" * 64, **delivery
    )
    real = client.post(
        url, BODY, "application/json", HTTP_X_HUB_SIGNATURE_256=sha256(BODY), **delivery
    )

    assert forged.status_code == 401
    assert real.status_code == 202


def test_a_delivery_id_too_long_to_keep_is_a_400_that_changes_nothing(client, integrations):
    integration = integrations["github"]
    version = data_version(integration.pk)

    response = client.post(
        f"/webhooks/github/{integration.pk}/",
        BODY,
        "application/json",
        HTTP_X_HUB_SIGNATURE_256=sha256(BODY),
        HTTP_X_GITHUB_DELIVERY="d" * 201,
    )

    assert response.status_code == 400
    assert "delivery id" in response.json()["error"]
    assert webhook_runs(integration) == 0
    assert data_version(integration.pk) == version
