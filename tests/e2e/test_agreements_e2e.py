"""A real beat sends the agreements' evaluation from its database row and a real worker runs
it: a broken agreement opens one alert with one delivery per channel; evaluating again adds
neither an alert nor a delivery."""

from datetime import timedelta

import pytest
from django.utils import timezone
from django_celery_beat.models import PeriodicTask

from agreements.channels import save_channel
from agreements.models import Alert, Delivery, WorkingAgreement
from agreements.tasks import evaluate_agreements_task
from tests.agreements.conftest import member, team  # noqa: F401 - the hand-worked data
from tests.e2e.conftest import wait_for

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

EVALUATE = "Evaluate working agreements"


def test_beat_evaluates_a_broken_agreement_once_and_a_second_run_adds_nothing(
    team,  # noqa: F811
    celery_processes,
):
    # PR #4 has been open since 2026-11-06: more than 7 days now.
    agreement = WorkingAgreement.objects.create(
        team=team, name="No PR open over 7 days", metric="pr_open_days", operator="<=", threshold=7
    )
    agreement.channels.add(save_channel(team, "email", address="team@example.com"))
    # Only the evaluation row runs (the seeded syncs would reach for the factories' hosts); it
    # last ran an hour ago, so beat finds it due as soon as it starts.
    PeriodicTask.objects.exclude(name=EVALUATE).update(enabled=False)
    PeriodicTask.objects.filter(name=EVALUATE).update(
        last_run_at=timezone.now() - timedelta(hours=1)
    )

    celery_processes.start_worker()
    celery_processes.start_beat()

    alert = wait_for(
        lambda: Alert.objects.filter(agreement=agreement).first(),
        timeout=90,
        message=lambda: "no alert; worker log:\n" + celery_processes.log("worker")[-3000:],
    )
    celery_processes.assert_alive()
    assert f"Scheduler: Sending due task {EVALUATE}" in celery_processes.log("beat")
    assert alert.status == "open" and alert.details["items"][0]["label"] == "acme/web#4 Change 4"
    assert list(Delivery.objects.values_list("kind", "alert", "channel__kind")) == [
        ("alert", alert.pk, "email")
    ]
    agreement.refresh_from_db()
    first_run = agreement.last_evaluated_at

    # Evaluated again on the worker (as a sync that changed the team's data queues it).
    evaluate_agreements_task.apply_async((team.pk,), queue=celery_processes.queue)
    wait_for(
        lambda: WorkingAgreement.objects.get(pk=agreement.pk).last_evaluated_at != first_run,
        timeout=90,
        message=lambda: "no second evaluation; worker log:\n" + celery_processes.log("worker"),
    )
    assert Alert.objects.count() == 1
    assert Delivery.objects.count() == 1
