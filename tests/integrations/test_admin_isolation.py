"""Staff who are not superusers see and change only their teams' rows in the admin."""

import pytest
from django.contrib.auth.models import Permission
from django.utils import timezone
from django_celery_results.models import TaskResult

from integrations.models import Integration, SyncCursor, SyncRun, Team
from metrics.models import PullRequest
from tests.factories import TeamFactory, UserFactory, make_integration
from tests.integrations.test_admin import ADD_URL, form_data

pytestmark = pytest.mark.django_db

MISSING_ID = 987654


@pytest.fixture
def rows():
    """Team A (the staff member's) and team B, each with an integration, a run, a cursor and a
    pull request whose names say which team they belong to."""
    staff = UserFactory(username="alpha-staff", is_staff=True)
    staff.user_permissions.set(
        Permission.objects.filter(content_type__app_label__in=["integrations", "metrics"])
    )
    bravo_member = UserFactory(username="bravo-only-member")
    alpha = TeamFactory(name="Alpha squad", slug="alpha", members=[staff])
    bravo = TeamFactory(name="Bravo hidden", slug="bravo", members=[bravo_member])
    made = {"staff": staff}
    for prefix, team in (("alpha", alpha), ("bravo", bravo)):
        integration = make_integration(team, name=f"{prefix}-hub")
        now = timezone.now()
        made[prefix] = {
            "team": team,
            "integration": integration,
            "syncrun": SyncRun.objects.create(integration=integration),
            "synccursor": SyncCursor.objects.create(integration=integration, stream=f"{prefix}/s"),
            "pullrequest": PullRequest.objects.create(
                integration=integration,
                external_id=f"{prefix}-1",
                repository=f"{prefix}-org/{prefix}-repo",
                number=1,
                title=f"{prefix} change",
                author=f"{prefix}-dev",
                state="open",
                created_at=now,
                updated_at=now,
            ),
        }
    return made


def admin_url(obj, view: str) -> str:
    meta = obj._meta
    base = f"/admin/{meta.app_label}/{meta.model_name}/"
    return base if view == "changelist" else f"{base}{obj.pk}/{view}/"


def missing_url(obj, view: str) -> str:
    return admin_url(obj, view).replace(f"/{obj.pk}/", f"/{MISSING_ID}/")


MODELS = ["team", "integration", "syncrun", "synccursor", "pullrequest"]


@pytest.mark.parametrize("model", MODELS)
def test_staff_changelists_list_and_filter_only_their_teams_rows(client, rows, model):
    client.force_login(rows["staff"])

    response = client.get(admin_url(rows["alpha"][model], "changelist"))

    assert response.status_code == 200
    page = response.content.decode()
    assert "alpha" in page.lower()
    assert "bravo" not in page.lower()  # neither its rows nor its names in the filters


@pytest.mark.parametrize("view", ["change", "delete", "history"])
@pytest.mark.parametrize("model", MODELS)
def test_other_teams_rows_answer_as_rows_that_do_not_exist(client, rows, model, view):
    client.force_login(rows["staff"])
    theirs = client.get(admin_url(rows["bravo"][model], view))
    missing = client.get(missing_url(rows["bravo"][model], view))

    assert client.get(admin_url(rows["alpha"][model], view)).status_code in (200, 403)
    assert theirs.status_code == missing.status_code
    assert theirs.status_code in (302, 403, 404)
    if theirs.status_code == 302:
        assert theirs["Location"] == missing["Location"] == "/admin/"
    assert "bravo" not in theirs.content.decode().lower()


def test_staff_cannot_change_or_delete_another_teams_rows_by_posting(client, rows):
    client.force_login(rows["staff"])
    team, integration = rows["bravo"]["team"], rows["bravo"]["integration"]

    client.post(admin_url(team, "change"), {"name": "taken", "slug": "taken", "time_zone": "UTC"})
    client.post(admin_url(integration, "delete"), {"post": "yes"})
    client.post(
        "/admin/integrations/integration/",
        {"action": "delete_selected", "_selected_action": [integration.pk], "post": "yes"},
    )

    assert Team.objects.get(pk=team.pk).name == "Bravo hidden"
    assert Integration.objects.filter(pk=integration.pk).exists()


def test_staff_cannot_add_an_integration_to_another_team(client, rows):
    client.force_login(rows["staff"])

    refused = client.post(ADD_URL, form_data(rows["bravo"]["team"], name="sneaked-in"))
    added = client.post(ADD_URL, form_data(rows["alpha"]["team"], name="alpha-new"))

    assert refused.status_code == 200
    assert "Select a valid choice" in refused.content.decode()
    assert not Integration.objects.filter(name="sneaked-in").exists()
    assert added.status_code == 302
    assert Integration.objects.get(name="alpha-new").team == rows["alpha"]["team"]


def test_staff_add_a_team_among_their_teams_members_and_join_it(client, rows):
    client.force_login(rows["staff"])
    add_page = client.get("/admin/integrations/team/add/").content.decode()
    bravo_member = rows["bravo"]["team"].members.get()

    refused = client.post(
        "/admin/integrations/team/add/",
        {"name": "Mixed", "slug": "mixed", "time_zone": "UTC", "members": [bravo_member.pk]},
    )
    added = client.post(
        "/admin/integrations/team/add/",
        {"name": "Charlie", "slug": "charlie", "time_zone": "UTC", "dora_bands": "dora-2023"},
    )

    assert "bravo-only-member" not in add_page
    assert refused.status_code == 200
    assert not Team.objects.filter(slug="mixed").exists()
    assert added.status_code == 302
    assert list(Team.objects.get(slug="charlie").members.all()) == [rows["staff"]]


def test_superusers_still_see_every_team(admin_client, rows):
    page = admin_client.get("/admin/integrations/integration/").content.decode()
    change = admin_client.get(admin_url(rows["bravo"]["integration"], "change"))

    assert "alpha-hub" in page
    assert "bravo-hub" in page
    assert change.status_code == 200


def test_task_results_are_for_superusers_only(client, admin_client, rows):
    staff = rows["staff"]
    staff.user_permissions.add(
        *Permission.objects.filter(content_type__app_label="django_celery_results")
    )
    TaskResult.objects.create(task_id="t-1", task_name="integrations.tasks.sync_integration_task")
    client.force_login(staff)

    assert client.get("/admin/django_celery_results/taskresult/").status_code == 403
    assert "Task results" not in client.get("/admin/").content.decode()
    assert admin_client.get("/admin/django_celery_results/taskresult/").status_code == 200
