"""Evaluation entry points: the task over every active agreement, its beat row, and the
evaluation a sync that changed a team's data queues."""

import pytest
from django_celery_beat.models import PeriodicTask

from agiletrack.celery import app
from agreements.models import Alert, Delivery, WorkingAgreement
from agreements.tasks import EVALUATE_TASK, evaluate_agreements_task
from integrations import services, sync
from tests.factories import TeamFactory

pytestmark = pytest.mark.django_db


def make(team, metric="pr_open_days", **fields):
    values = {"name": metric, "operator": "<=", "threshold": 7, **fields}
    return WorkingAgreement.objects.create(team=team, metric=metric, **values)


def test_the_task_is_registered_and_seeded_as_a_beat_row_every_15_minutes():
    app.loader.import_default_modules()
    assert EVALUATE_TASK in app.tasks
    row = PeriodicTask.objects.get(task=EVALUATE_TASK)
    assert (
        row.enabled
        and row.interval.every * {"seconds": 1, "minutes": 60}[row.interval.period] == 900
    )


def test_every_active_agreement_is_evaluated_and_a_failure_stops_none(team):
    broken = make(team, metric="no_such_metric")  # stored before a metric was removed
    open_prs = make(team, threshold=0.5)
    make(team, paused=True)
    other = make(TeamFactory(), threshold=1)
    summary = evaluate_agreements_task(team.pk)
    assert summary == {"evaluated": 1, "breached": 1, "failed": 1, "deferred": 0}
    assert list(Alert.objects.values_list("agreement", flat=True)) == [open_prs.pk]
    broken.refresh_from_db()
    other.refresh_from_db()
    assert broken.last_evaluated_at is None and other.last_evaluated_at is None
    assert evaluate_agreements_task()["evaluated"] == 2  # every team, the other one too


def test_a_team_with_a_sync_running_is_evaluated_after_it_not_during_it(team):
    from datetime import timedelta

    from django.utils import timezone

    from integrations.models import SyncRun
    from tests.factories import make_integration

    open_prs = make(team, threshold=0.5)
    run = SyncRun.objects.create(
        integration=make_integration(team, kind="jira", name="Sync running"),
        trigger="scheduled",
        status=SyncRun.Status.RUNNING,
        started_at=timezone.now(),
    )
    # Its pages are half stored: the team's agreements wait for the sync's own evaluation.
    assert evaluate_agreements_task(team.pk)["deferred"] == 1
    assert not Alert.objects.exists()
    # A run stuck for longer than the settling time holds nothing back.
    SyncRun.objects.filter(pk=run.pk).update(started_at=timezone.now() - timedelta(hours=1))
    assert evaluate_agreements_task(team.pk)["evaluated"] == 1
    assert list(Alert.objects.values_list("agreement", flat=True)) == [open_prs.pk]


@pytest.fixture
def eager_celery():
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = False


def test_a_sync_that_changed_the_teams_data_evaluates_its_agreements(
    sandbox, settings, eager_celery, django_capture_on_commit_callbacks
):
    settings.AGILETRACK_ALLOWED_API_HOSTS = ["127.0.0.1:*"]
    trello = sandbox.info["trello"]
    team = TeamFactory()
    integration = services.create_integration(
        team=team,
        kind="trello",
        name="Trello boards",
        config={"api_url": trello["api_url"], "board_ids": [b["id"] for b in trello["boards"]]},
        credentials={"key": trello["key"], "token": trello["token"]},
    )
    # The sandbox's boards have cards in progress: "WIP at most 0" is broken.
    rule = make(team, metric="wip", threshold=0, window_days=7)
    with django_capture_on_commit_callbacks(execute=True):
        assert sync.sync_integration(integration.pk, "initial").run.status == "succeeded"
    rule.refresh_from_db()
    assert rule.last_evaluated_at is not None
    alert = Alert.objects.get(agreement=rule)
    assert alert.value >= 1
    assert Delivery.objects.count() == 0  # no channel yet

    # A sync that changed nothing queues no evaluation.
    evaluated_at = rule.last_evaluated_at
    with django_capture_on_commit_callbacks(execute=True):
        sync.sync_integration(integration.pk, "scheduled")
    rule.refresh_from_db()
    assert rule.last_evaluated_at == evaluated_at
