"""The admin is reachable and manages schedules (beat) and task results."""

import pytest
from django.core.management import call_command
from django_celery_beat.models import PeriodicTask
from django_celery_results.models import TaskResult

pytestmark = pytest.mark.django_db


def test_beat_heartbeat_schedule_is_seeded_by_a_migration():
    task = PeriodicTask.objects.get(name="Beat heartbeat")

    assert task.task == "agiletrack.tasks.beat_heartbeat_task"
    assert task.enabled is True
    assert (task.interval.every, task.interval.period) == (30, "seconds")
    assert task.expire_seconds == 30


def test_admin_index_lists_schedules_and_task_results(admin_client):
    response = admin_client.get("/admin/")

    assert response.status_code == 200
    page = response.content.decode()
    assert "Periodic tasks" in page
    assert "Task results" in page
    assert "AgileTrack administration" in page


def test_admin_can_edit_the_heartbeat_schedule(admin_client):
    task = PeriodicTask.objects.get(name="Beat heartbeat")

    response = admin_client.get(f"/admin/django_celery_beat/periodictask/{task.pk}/change/")
    assert response.status_code == 200
    assert "agiletrack.tasks.beat_heartbeat_task" in response.content.decode()

    PeriodicTask.objects.filter(pk=task.pk).update(enabled=False)
    listing = admin_client.get("/admin/django_celery_beat/periodictask/?enabled__exact=0")
    assert "Beat heartbeat" in listing.content.decode()


def test_admin_shows_stored_task_results(admin_client):
    TaskResult.objects.create(
        task_id="c0ffee00-0000-4000-8000-000000000001",
        task_name="agiletrack.tasks.beat_heartbeat_task",
        status="SUCCESS",
        result='{"heartbeat": "beat"}',
    )

    response = admin_client.get("/admin/django_celery_results/taskresult/")

    assert response.status_code == 200
    assert "c0ffee00-0000-4000-8000-000000000001" in response.content.decode()


def test_anonymous_users_are_sent_to_the_admin_login(client):
    response = client.get("/admin/")

    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")


def signs_in(client, username: str, password: str) -> bool:
    """Sign in through the admin's login page, as a person does (the lockout counts these)."""
    response = client.post(
        "/admin/login/?next=/admin/", {"username": username, "password": password}
    )
    return response.status_code == 302 and response["Location"] == "/admin/"


def test_ensure_admin_prints_a_working_password_once(
    capsys, django_user_model, client, settings, tmp_path
):
    settings.VAR_DIR = tmp_path
    (tmp_path / "admin-password.shown").touch()  # an earlier admin's password was shown
    call_command("ensure_admin")
    out = capsys.readouterr().out
    password = out.split("with password: ")[1].split()[0]

    assert signs_in(client, "admin", password)
    assert django_user_model.objects.get(username="admin").is_superuser
    # Kept for `make run` to show again, readable only by its owner.
    kept = tmp_path / "admin-password"
    assert kept.read_text() == password + "\n"
    assert kept.stat().st_mode & 0o777 == 0o600
    assert not (tmp_path / "admin-password.shown").exists()

    call_command("ensure_admin")
    again = capsys.readouterr().out
    assert "already exists" in again
    assert password not in again
    assert signs_in(client, "admin", password)


def test_about_page_links_to_the_admin_and_health_and_home_asks_to_sign_in(client):
    assert client.get("/")["Location"] == "/accounts/login/?next=/"
    response = client.get("/about/")

    assert response.status_code == 200
    page = response.content.decode()
    assert 'href="/admin/"' in page
    assert 'href="/healthz"' in page
    assert "Sign in" in page


def test_only_superusers_edit_or_run_schedules(client, django_user_model):
    from django.contrib.auth.models import Permission

    staff = django_user_model.objects.create_user("ops", password="pw", is_staff=True)
    staff.user_permissions.set(Permission.objects.filter(codename__endswith="periodictask"))
    client.force_login(staff)
    task = PeriodicTask.objects.get(name="Beat heartbeat")
    url = f"/admin/django_celery_beat/periodictask/{task.pk}/change/"

    assert client.get("/admin/django_celery_beat/periodictask/").status_code == 200
    page = client.get(url).content.decode()
    assert 'name="task"' not in page  # read-only view for non-superusers
    assert client.post(url, {"name": "hijacked"}).status_code == 403
    assert client.get("/admin/django_celery_beat/periodictask/add/").status_code == 403
    listing = client.get("/admin/django_celery_beat/periodictask/").content.decode()
    assert 'value="run_tasks"' not in listing


def test_superusers_can_run_schedules_from_the_list(admin_client):
    listing = admin_client.get("/admin/django_celery_beat/periodictask/").content.decode()

    assert 'value="run_tasks"' in listing


def test_favicon_ico_leads_to_the_icon_every_page_links(client):
    from django.contrib.staticfiles import finders

    response = client.get("/favicon.ico")
    assert response.status_code == 301
    assert response["Location"] == "/static/agiletrack/favicon.svg"
    assert finders.find("agiletrack/favicon.svg")
    assert (
        'rel="icon" href="/static/agiletrack/favicon.svg"' in client.get("/about/").content.decode()
    )
