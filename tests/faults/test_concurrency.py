"""F17 (the same sync delivered twice at once) and F20 (enqueue tied to the commit)."""

import subprocess
import sys
import time
from unittest import mock

import pytest
from django.db import transaction
from django_celery_results.models import TaskResult

from integrations import queueing
from integrations.models import Integration, SyncRun
from tests.conftest import REPO_ROOT
from tests.e2e.conftest import wait_for
from tests.factories import TeamFactory
from tests.faults import checker
from tests.faults.helpers import secrets_of, trello_integration, wait_settled, wait_succeeded

pytestmark = [pytest.mark.django_db(transaction=True, serialized_rollback=True)]

INITIAL_TASK = "integrations.tasks.initial_sync_metrics_task"


@pytest.mark.fault("F17")
def test_f17_two_processes_run_the_same_sync_at_once_one_runs_one_is_skipped(fresh_sandbox, procs):
    """Two separate processes call sync_integration for one integration at the same instant
    (a duplicate delivery): the lease lets exactly one run, the other is recorded skipped."""
    box = fresh_sandbox("--seed", "31", "--latency-ms", "300", "--boards", "2")
    integration = trello_integration(box, initial=False)
    start_at = time.time() + 5
    code = (
        "import time; from integrations import sync; "
        f"time.sleep(max(0, {start_at} - time.time())); "
        f"o = sync.sync_integration({integration.pk}, 'manual'); print('STATUS', o.run.status)"
    )
    env = {**procs.env, "AGILETRACK_SYNC_LEASE_SECONDS": "30"}
    children = [
        subprocess.Popen(
            [sys.executable, "manage.py", "shell", "-c", code],
            cwd=REPO_ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        for _ in range(2)
    ]
    outputs = [child.communicate(timeout=50)[0] for child in children]
    statuses = sorted(
        line.split()[1] for out in outputs for line in out.splitlines() if line.startswith("STATUS")
    )
    assert statuses == ["skipped", "succeeded"], outputs
    skipped = SyncRun.objects.get(integration=integration, status="skipped")
    assert skipped.records_created == 0
    procs.start_ready_worker()
    checker.check_all(box, procs, [integration], secrets_of(box))


@pytest.mark.fault("F17")
def test_f17_two_queued_runs_on_a_two_process_worker_one_runs_one_is_skipped(fresh_sandbox, procs):
    """The real-worker variant: two messages for one integration on a worker with two pool
    processes; both start at once, one claims the lease, the other is skipped."""
    box = fresh_sandbox("--seed", "32", "--latency-ms", "300", "--boards", "2")
    integration = trello_integration(box, initial=False)
    procs.env["AGILETRACK_SYNC_LEASE_SECONDS"] = "30"
    procs.start_ready_worker(concurrency=2)
    # queue_sync (not queue_sync_unless_busy): the duplicate reaches the worker.
    first = queueing.queue_sync(integration, SyncRun.Trigger.MANUAL)
    second = queueing.queue_sync(integration, SyncRun.Trigger.MANUAL)
    found = wait_settled(integration, procs, timeout=60)
    assert sorted(run.status for run in found) == ["skipped", "succeeded"]
    assert {run.pk for run in found} == {first.pk, second.pk}
    checker.check_all(box, procs, [integration], secrets_of(box))


@pytest.mark.fault("F20")
def test_f20_a_rolled_back_create_sends_nothing_a_committed_one_sends_once(sandbox, procs):
    """Creating an integration inside a transaction that rolls back sends no task; one that
    commits sends exactly one initial sync, which a real worker runs once."""
    team = TeamFactory()
    procs.start_ready_worker()
    from integrations import tasks

    with mock.patch.object(
        tasks.initial_sync_metrics_task,
        "apply_async",
        wraps=tasks.initial_sync_metrics_task.apply_async,
    ) as sent:
        with pytest.raises(RuntimeError), transaction.atomic():
            trello_integration(sandbox, team=team, name="rolled back")
            raise RuntimeError("roll back")
        assert sent.call_count == 0
        assert not Integration.objects.filter(name="rolled back").exists()
        assert not SyncRun.objects.exists()

        with transaction.atomic():
            kept = trello_integration(sandbox, team=team, name="kept")
            assert sent.call_count == 0  # not before the commit
        assert sent.call_count == 1

    wait_succeeded(kept, procs)
    time.sleep(2)  # a second message would have been taken by now
    runs = SyncRun.objects.filter(integration=kept)
    assert runs.count() == 1
    assert TaskResult.objects.filter(task_name=INITIAL_TASK).count() == 1
    wait_for(
        lambda: TaskResult.objects.filter(task_name=INITIAL_TASK, status="SUCCESS").exists(),
        timeout=20,
    )
    checker.check_all(sandbox, procs, [kept], secrets_of(sandbox))
