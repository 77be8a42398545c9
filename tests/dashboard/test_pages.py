"""The dashboard pages over HTTP (Django's test client): who may open them, what they show, and
that filters in the URL change the numbers. Browser behaviour is in tests/browser."""

from datetime import UTC, datetime, timedelta

import pytest
from django.urls import reverse

from integrations.models import Integration, SyncRun
from integrations.providers import records
from metrics import derived, selectors
from metrics.ingest import ingest
from tests.factories import TeamFactory, UserFactory, make_integration
from tests.metrics.test_derived import deployment
from tests.metrics.test_ingest import pull_request

pytestmark = pytest.mark.django_db

PAGES = [
    "team-overview",
    "team-pull-requests",
    "team-work-items",
    "team-sprints",
    "team-integrations",
]


@pytest.fixture
def member():
    return UserFactory()


@pytest.fixture
def team(member):
    return TeamFactory(members=[member], time_zone="Europe/Berlin")


def merged(number: int, at: datetime):
    return pull_request(
        number,
        external_id=f"PR_{number}",
        created_at=at - timedelta(hours=4),
        merged_at=at,
        closed_at=at,
        merge_commit_sha=f"m{number}",
    )


@pytest.fixture
def github(team):
    integration = make_integration(team)
    now = datetime.now(UTC)
    ingest(
        integration,
        [
            deployment("d0", now - timedelta(days=40)),
            merged(1, now - timedelta(days=35)),
            merged(2, now - timedelta(days=3)),
            merged(3, now - timedelta(days=2)),
            deployment("d1", now - timedelta(days=1)),
            # What GitHub's compare said d1 shipped after d0: all three merges.
            records.CommitRange("acme/web", "sha-d0", "sha-d1", "ahead", ("m1", "m2", "m3")),
        ],
    )
    derived.refresh(integration)
    return integration


def url(name: str, team, **params) -> str:
    return reverse(name, kwargs={"slug": team.slug})


def test_signed_out_visitors_are_sent_to_sign_in(client, team):
    for name in PAGES:
        response = client.get(url(name, team))
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))


def test_members_open_every_page_and_non_members_get_404(client, team, github, member):
    client.force_login(member)
    for name in PAGES:
        response = client.get(url(name, team))
        assert response.status_code == 200, name
        assert team.name in response.content.decode()
    client.force_login(UserFactory())
    for name in PAGES:
        assert client.get(url(name, team)).status_code == 404, name


def test_home_goes_to_the_first_team_or_explains_there_is_none(client, team, member):
    client.force_login(member)
    assert client.get("/")["Location"] == url("team-overview", team)
    client.force_login(UserFactory())
    response = client.get("/")
    assert response.status_code == 200
    assert "not in a team yet" in response.content.decode()


def test_the_window_in_the_url_changes_the_numbers(client, team, github, member):
    client.force_login(member)
    recent = client.get(url("team-pull-requests", team)).context["metrics"]
    assert recent["throughput"]["merged"] == 2
    today = datetime.now(UTC).date()
    wide = client.get(
        url("team-pull-requests", team),
        {"since": (today - timedelta(days=60)).isoformat(), "until": today.isoformat()},
    )
    assert wide.context["metrics"]["throughput"]["merged"] == 3
    assert f"since={(today - timedelta(days=60)).isoformat()}" in wide.context["query"]
    # The navigation keeps the filters.
    assert "?" + wide.context["query"].replace("&", "&amp;") in wide.content.decode()


def test_a_bad_window_is_explained_and_the_default_shown(client, team, github, member):
    client.force_login(member)
    response = client.get(
        url("team-overview", team), {"since": "2026-05-02", "until": "2026-05-01"}
    )
    assert response.status_code == 200
    assert "The start date is after the end date." in response.content.decode()
    assert response.context["scope"].days == 30
    response = client.get(url("team-overview", team), {"since": "yesterday"})
    assert "Enter a valid date." in response.content.decode()


def test_overview_shows_dora_tiles_with_bands_and_an_empty_team_is_told_what_to_do(
    client, team, github, member
):
    client.force_login(member)
    tiles = {tile["key"]: tile for tile in client.get(url("team-overview", team)).context["tiles"]}
    assert tiles["frequency"]["band"] in ("elite", "high", "medium", "low")
    assert tiles["lead_time"]["value"] is not None  # PRs 2 and 3 shipped by d1
    empty = TeamFactory(members=[member])
    page = client.get(url("team-overview", empty)).content.decode()
    assert "Connect an integration" in page


def test_pull_request_list_sorts_and_filters(client, team, github, member):
    client.force_login(member)
    response = client.get(url("team-pull-requests", team), {"sort": "-number"})
    numbers = [pr.number for pr in response.context["page_obj"]]
    assert numbers == sorted(numbers, reverse=True) and numbers
    response = client.get(url("team-pull-requests", team), {"state": "open"})
    assert list(response.context["page_obj"]) == []


def test_the_repository_filter_lists_its_choices_and_refuses_an_unknown_one(
    client, team, github, member
):
    client.force_login(member)
    page = url("team-pull-requests", team)

    every = client.get(page)
    chosen = client.get(page, {"repository": "acme/web"})
    unknown = client.get(page, {"repository": "acme/gone"})

    # PRs 2 and 3 were merged in the last 30 days, both in acme/web, the filter's one choice.
    listed = [pr.number for pr in every.context["page_obj"]]
    assert sorted(listed) == [2, 3]
    for response in (every, chosen, unknown):
        choices = response.context["filters"].fields["repository"].choices
        assert [name for name, _ in choices] == ["", "acme/web"]
    assert [pr.number for pr in chosen.context["page_obj"]] == listed
    assert "repository" in unknown.context["filters"].errors
    assert [pr.number for pr in unknown.context["page_obj"]] == listed  # the unfiltered list


def test_the_pull_request_pages_numbers_are_the_familys(client, team, github, member):
    client.force_login(member)
    response = client.get(url("team-pull-requests", team))

    shown = response.context["metrics"]
    family = selectors.pull_request_metrics(response.context["scope"])
    assert shown["stages"] == {"cycle": family["stages"]["cycle"]}
    for key in ("throughput", "merged_without_review", "open"):
        assert shown[key] == family[key]
    assert shown["throughput"]["merged"] == 2


def test_sync_now_queues_a_run_members_may_start_and_its_status_is_readable(
    client, team, github, member, django_capture_on_commit_callbacks
):
    client.force_login(member)
    # Its first sync has run (as a worker would have done it): nothing is queued.
    github.sync_runs.update(status="succeeded")
    sync_url = reverse("team-integration-sync", kwargs={"slug": team.slug, "pk": github.pk})
    with django_capture_on_commit_callbacks() as callbacks:
        response = client.post(sync_url, HTTP_ACCEPT="application/json")
    assert response.status_code == 202
    assert len(callbacks) == 1  # the task is sent after commit
    run = SyncRun.objects.get(pk=response.json()["sync_run"])
    assert run.trigger == "manual" and run.status == "queued"
    status = client.get(response.json()["status_url"]).json()
    assert status["status"] == "queued" and status["finished"] is False
    assert "token" not in str(status).lower()
    client.force_login(UserFactory())
    assert client.post(sync_url).status_code == 404


def test_only_staff_add_edit_and_test_integrations(client, team, github, member):
    client.force_login(member)
    add = reverse("team-integration-add", kwargs={"slug": team.slug})
    assert client.get(add).status_code == 403
    member.is_staff = True
    member.save()
    assert client.get(add).status_code == 200


def test_adding_an_integration_validates_like_the_api_and_keeps_nothing_bad(
    client, team, member, django_capture_on_commit_callbacks
):
    member.is_staff = True
    member.save()
    client.force_login(member)
    add = reverse("team-integration-add", kwargs={"slug": team.slug})
    bad = client.post(
        add,
        {
            "name": "Web",
            "kind": "github",
            "config": '{"api_url": "http://10.0.0.1", "repos": 1}',
            "token": "ghp_secret_value_123",
            "is_active": "on",
        },
    )
    assert bad.status_code == 400
    page = bad.content.decode()
    assert "repositories: This field is required." in page
    assert "repos: Unknown key." in page
    assert "ghp_secret_value_123" not in page
    assert not Integration.objects.filter(team=team).exists()

    form = {
        "name": "Web",
        "kind": "github",
        "config": '{"api_url": "https://api.sandbox.test", "repositories": ["acme/web"]}',
        "token": "ghp_secret_value_123",
        "is_active": "on",
    }
    # The test before save cannot reach api.sandbox.test: it offers to save anyway.
    unreachable = client.post(add, form)
    assert unreachable.status_code == 400
    assert "Save anyway" in unreachable.content.decode()
    assert not Integration.objects.filter(team=team).exists()
    with django_capture_on_commit_callbacks():
        good = client.post(add, {**form, "save_anyway": "on"})
    assert good.status_code == 302
    integration = Integration.objects.get(team=team)
    assert integration.sync_runs.filter(trigger="initial").exists()
    edit = reverse("team-integration-edit", kwargs={"slug": team.slug, "pk": integration.pk})
    form_page = client.get(edit).content.decode()
    assert "ghp_secret_value_123" not in form_page
    # Saving with the token left empty keeps it.
    client.post(
        edit,
        {
            "name": "Web app",
            "config": '{"api_url": "https://api.sandbox.test", "repositories": ["acme/web"]}',
            "is_active": "on",
            "save_anyway": "on",
        },
    )
    integration.refresh_from_db()
    assert integration.name == "Web app"
    from integrations.services import get_credentials

    assert get_credentials(integration)["token"] == "ghp_secret_value_123"


def test_test_connection_reports_the_providers_answer_in_plain_words(
    client, member, sandbox, settings, django_capture_on_commit_callbacks
):
    from tests.integrations.test_sync import trello_integration

    settings.AGILETRACK_ALLOWED_API_HOSTS = ["127.0.0.1:*"]
    member.is_staff = True
    member.save()
    with django_capture_on_commit_callbacks():
        integration = trello_integration(sandbox)
    integration.team.members.add(member)
    client.force_login(member)
    test_url = reverse(
        "team-integration-test", kwargs={"slug": integration.team.slug, "pk": integration.pk}
    )

    page = client.post(test_url, follow=True).content.decode()
    assert "Trello boards: " in page and 'class="message success"' in page

    from integrations import services

    services.update_integration(
        integration, credentials={"key": sandbox.info["trello"]["key"], "token": "revoked"}
    )
    page = client.post(test_url, follow=True).content.decode()
    assert 'class="message error"' in page
    assert "revoked" not in page


def test_the_integrations_page_follows_the_integration_filter(client, team, github, member):
    other = make_integration(team, name="Second repository")
    client.force_login(member)
    page = client.get(url("team-integrations", team), {"integration": other.pk})
    shown = [row["integration"].pk for row in page.context["rows"]]
    assert shown == [other.pk]


def test_the_sprints_page_shows_velocity_of_the_last_closed_sprints_and_the_overdue_one(
    client, team, member
):
    jira = make_integration(team, kind="jira")
    now = datetime.now(UTC)
    sprints, items = [], []
    for n, points in enumerate((3.0, 5.0, 7.0), start=1):
        start = now - timedelta(days=100 - 14 * n)
        end = start + timedelta(days=14)
        sprints.append(records.Sprint(f"{n}", "1", f"Sprint {n}", "closed", start, end, end))
        items.append(
            records.WorkItem(
                f"{n}", f"ENG-{n}", "Story", "story", "Done", "done", "", start, start,
                start + timedelta(days=2), story_points=points, sprint_ids=(f"{n}",),
            )
        )  # fmt: skip
    # Past its end date, still active in Jira: the running sprint, not a closed one.
    overdue = (now - timedelta(days=20), now - timedelta(days=6), None)
    sprints.append(records.Sprint("4", "1", "Sprint 4", "active", *overdue))
    ingest(jira, [*sprints, *items])
    derived.refresh(jira)
    client.force_login(member)

    page = client.get(url("team-sprints", team))  # the last 30 days: no sprint closed in them

    (board,) = page.context["boards"]
    assert board["velocity"]["completed_points"] == [3.0, 5.0, 7.0]
    assert board["active_sprint"]["name"] == "Sprint 4"
    html = page.content.decode()
    assert '<span data-metric="velocity">5</span> points' in html
    assert '<span data-metric="velocity-items">1</span> items' in html
    assert "over the last 3 closed sprints" in html
    assert "Sprint 4: 0 points committed" in html


def test_the_work_items_page_names_left_out_kinds_and_lists_to_map(client, member, team):
    make_integration(team, "jira", name="Jira board")
    trello = make_integration(team, "trello", name="Trello board")
    now = datetime.now(UTC)
    ingest(
        trello,
        [
            records.WorkItem(
                external_id="c1",
                key="c1",
                title="Check the contract",
                kind="card",
                status="Waiting on legal",
                status_category="todo",
                source_category="",  # no word of the name places it
                url="",
                created_at=now - timedelta(days=2),
                updated_at=now - timedelta(days=2),
                resolved_at=None,
            )
        ],
    )
    client.force_login(member)

    page = client.get(reverse("team-work-items", args=[team.slug])).content.decode()

    assert "Jira board: Epic left out of WIP, aging, throughput, cycle and lead time" in page
    assert "Trello board: lists not placed by their names" in page
    assert "Waiting on legal" in page
