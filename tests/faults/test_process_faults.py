"""Worker processes die or stop mid sync: F1, F2, F3, F4, F18, F16."""

import os
import signal
import subprocess
import sys
import time

import pytest

from integrations import leases, queueing, recovery
from integrations.models import SyncRun
from integrations.tasks import sync_integration_task
from tests.conftest import REPO_ROOT
from tests.e2e.conftest import wait_for
from tests.faults import checker
from tests.faults.helpers import runs, secrets_of, trello_integration, wait_succeeded

pytestmark = [pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def first_batch_stored(integration, procs, timeout=40):
    def stored():
        run = SyncRun.objects.filter(integration=integration, status="running").first()
        return run if run and run.records_created > 0 else None

    return wait_for(stored, timeout, interval=0.1, message=lambda: procs.logs()[-3000:])


def sweep_after_lease(integration, procs, wait_first: float) -> None:
    """What beat's sweep (every 10 minutes) does, once the dead worker's lease has run out,
    unless the redelivered message resumed the run within `wait_first` seconds."""
    deadline = time.monotonic() + wait_first
    while time.monotonic() < deadline:
        if runs(integration)[-1].status == "succeeded":
            return
        time.sleep(0.5)
    wait_for(lambda: not leases.is_syncing(integration), timeout=20, message="lease expiry")
    recovery.sweep()


@pytest.mark.fault("F1")
def test_f1_kill_9_of_the_pool_child_mid_sync_resumes_from_the_cursor(fresh_sandbox, worker):
    """kill -9 of the pool process after the first board is stored: the main process survives,
    the message is rejected back (reject_on_worker_lost) or the sweep queues the run again, and
    the sync ends with every card once."""
    box = fresh_sandbox("--seed", "51", "--latency-ms", "500", "--boards", "3")
    integration = trello_integration(box)
    first_batch_stored(integration, worker)
    children = worker.child_pids()
    assert children, "no pool process found"
    for pid in children:
        os.kill(pid, signal.SIGKILL)
    sweep_after_lease(integration, worker, wait_first=15)
    wait_succeeded(integration, worker, timeout=40)
    checker.check_all(box, worker, [integration], secrets_of(box))


@pytest.mark.fault("F2")
def test_f2_kill_9_of_the_whole_worker_mid_sync_and_a_new_worker(fresh_sandbox, worker):
    """kill -9 of the worker's process group mid sync, a new worker started: the message comes
    back after the visibility timeout (Redis) or the sweep queues the run again."""
    box = fresh_sandbox("--seed", "52", "--latency-ms", "500", "--boards", "3")
    integration = trello_integration(box)
    first_batch_stored(integration, worker)
    worker.kill("worker")
    assert runs(integration)[-1].status == "running"
    worker.start_ready_worker(name="worker2")
    sweep_after_lease(integration, worker, wait_first=14)
    wait_succeeded(integration, worker, timeout=40)
    checker.check_all(box, worker, [integration], secrets_of(box))


@pytest.mark.fault("F3")
def test_f3_sigterm_to_the_worker_mid_sync_lets_the_task_finish(fresh_sandbox, worker):
    """SIGTERM to the worker's main process mid sync (a deploy: docker stop signals PID 1):
    warm shutdown lets the task finish (30 s soft shutdown window), the worker exits 0, no run
    is left running and nothing is doubled."""
    box = fresh_sandbox("--seed", "53", "--latency-ms", "300", "--boards", "2")
    integration = trello_integration(box)
    first_batch_stored(integration, worker)
    process = worker.processes.pop("worker")
    os.kill(process.pid, signal.SIGTERM)
    assert process.wait(timeout=45) == 0
    assert runs(integration)[-1].status == "succeeded", worker.logs()[-3000:]
    worker.start_ready_worker(name="worker2")
    checker.check_all(box, worker, [integration], secrets_of(box))


@pytest.mark.fault("F3")
def test_f3_sigterm_to_the_whole_process_group_requeues_and_resumes(fresh_sandbox, worker):
    """SIGTERM to every process of the worker (systemd's KillMode=control-group): the pool
    process stops the task (the run stays running, its lease released), the message goes back
    to the broker and a new worker resumes the same run from the stored cursors."""
    box = fresh_sandbox("--seed", "57", "--latency-ms", "400", "--boards", "3")
    integration = trello_integration(box)
    first_batch_stored(integration, worker)
    process = worker.processes.pop("worker")
    os.killpg(process.pid, signal.SIGTERM)
    process.wait(timeout=45)
    assert "sync interrupted" in worker.log("worker")
    worker.start_ready_worker(name="worker2")
    found = wait_succeeded(integration, worker, timeout=45)
    assert [r.status for r in found] == ["succeeded"]
    checker.check_all(box, worker, [integration], secrets_of(box))


@pytest.mark.fault("F4")
def test_f4_a_second_delivery_of_a_running_sync_is_held_off_by_the_lease(fresh_sandbox, procs):
    """A task still running when its message is delivered again (what the visibility timeout
    does to a long task on Redis; produced directly by sending the same run's message again,
    which works on both brokers): the second delivery waits on the lease and never runs the
    sync a second time."""
    box = fresh_sandbox("--seed", "54", "--latency-ms", "400", "--boards", "3")
    procs.env["AGILETRACK_SYNC_LEASE_SECONDS"] = "20"
    procs.start_ready_worker(concurrency=2)
    integration = trello_integration(box, initial=False)
    run = queueing.queue_sync(integration, SyncRun.Trigger.MANUAL)
    first_batch_stored(integration, procs)
    sync_integration_task.apply_async(
        (integration.pk,), {"trigger": "manual", "run_id": run.pk}, queue=procs.priority_queue
    )
    wait_succeeded(integration, procs, timeout=45)
    checker.wait_quiet()
    started = procs.log("worker").count(f"sync started integration={integration.pk} run={run.pk}")
    assert started == 1
    assert [r.status for r in runs(integration)] == ["succeeded"]
    checker.check_all(box, procs, [integration], secrets_of(box))


@pytest.mark.fault("F18")
def test_f18_a_run_that_kills_its_worker_every_time_is_given_up(fresh_sandbox, procs):
    """A poison run: its pool process dies (kill -9) on every delivery. After
    AGILETRACK_SYNC_MAX_DELIVERIES (3) deliveries it is marked failed ("interrupted") and not
    delivered again; the integration says so."""
    box = fresh_sandbox("--seed", "55", "--latency-ms", "500", "--boards", "3")
    procs.start_ready_worker()
    integration = trello_integration(box)
    log_line = f"sync started integration={integration.pk}"
    for delivery in (1, 2, 3):
        wait_for(
            lambda d=delivery: procs.log("worker").count(log_line) >= d,
            timeout=30,
            interval=0.05,
            message=lambda d=delivery: f"delivery {d} never started:\n{procs.logs()[-3000:]}",
        )
        for pid in procs.child_pids():
            os.kill(pid, signal.SIGKILL)

    def given_up():
        return (
            SyncRun.objects.filter(
                integration=integration, status="failed", error_type="interrupted"
            ).exists()
            and not SyncRun.objects.filter(status__in=["queued", "running"]).exists()
        )

    # The fourth delivery must give up instead of running the sync again. (No sweep here: it
    # would close the run and queue a fresh one with a fresh count, see docs/operations.md.)
    wait_for(
        given_up,
        timeout=30,
        message=lambda: str([(r.pk, r.status, r.attempt, r.error_type) for r in runs(integration)]),
    )
    lines = [line for line in procs.log("worker").splitlines() if "sync " in line]
    assert procs.log("worker").count(log_line) == 3, "\n".join(lines)
    integration.refresh_from_db()
    assert integration.status == "error"
    checker.check_all(box, procs, [integration], secrets_of(box), follow_up=False)


@pytest.mark.fault("F16")
def test_f16_a_worker_clock_five_minutes_ahead_does_not_take_a_live_lease(fresh_sandbox, procs):
    """Clock skew. No libfaketime on this machine, so the skewed worker is a process whose
    django.utils.timezone.now runs 5 minutes ahead (what leases.claim_lease reads). A sync holds
    the lease in one process; the skewed process asks for the same integration: it must be
    skipped, not run a second sync at the same time."""
    box = fresh_sandbox("--seed", "56", "--latency-ms", "400", "--boards", "3")
    integration = trello_integration(box, initial=False)
    env = {**procs.env, "AGILETRACK_SYNC_LEASE_SECONDS": "60"}
    normal = (
        "from integrations import sync; "
        f"o = sync.sync_integration({integration.pk}, 'manual'); print('STATUS', o.run.status)"
    )
    skewed = (
        "import datetime; from django.utils import timezone; real = timezone.now; "
        "timezone.now = lambda: real() + datetime.timedelta(minutes=5); "
        "from integrations import sync; "
        f"o = sync.sync_integration({integration.pk}, 'manual'); print('STATUS', o.run.status)"
    )

    def shell(code):
        return subprocess.Popen(
            [sys.executable, "manage.py", "shell", "-c", code],
            cwd=REPO_ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )

    first = shell(normal)
    wait_for(lambda: leases.is_syncing(integration), timeout=30, interval=0.1, message="lease")
    second = shell(skewed)
    outputs = [first.communicate(timeout=50)[0], second.communicate(timeout=50)[0]]
    statuses = sorted(
        line.split()[1] for out in outputs for line in out.splitlines() if line.startswith("STATUS")
    )
    assert statuses == ["skipped", "succeeded"], outputs
    procs.start_ready_worker()
    checker.check_all(box, procs, [integration], secrets_of(box))
