"""Beat, broker and database faults: F14, F15, F5, F7, F6, F19."""

import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import pytest
from django.db import connection
from django.utils import timezone
from django_celery_beat.models import PeriodicTask
from django_celery_results.models import TaskResult

from agiletrack.celery import app
from integrations import leases, recovery
from integrations.models import Integration, SyncRun
from tests.conftest import REPO_ROOT
from tests.e2e.conftest import wait_for
from tests.factories import TeamFactory
from tests.faults import checker
from tests.faults.helpers import runs, secrets_of, trello_integration, wait_succeeded
from tests.redis_server import RedisServer, free_port

pytestmark = [pytest.mark.django_db(transaction=True, serialized_rollback=True)]

FAN_OUT = "integrations.tasks.periodic_sync_all_integrations_metrics_task"
HOURLY = "Hourly sync of all integrations"


def synced_integrations(box, procs, n=2):
    team = TeamFactory()
    board = [box.info["trello"]["boards"][0]["id"]]
    made = [trello_integration(box, team=team, name=f"b{i}", boards=board) for i in range(n)]
    for integration in made:
        wait_succeeded(integration, procs)
    return made


def one_scheduled_sync_each(integrations):
    for integration in integrations:
        scheduled = SyncRun.objects.filter(integration=integration, trigger="scheduled")
        assert scheduled.exclude(status="skipped").count() == 1
        assert scheduled.filter(status="succeeded").count() == 1


@pytest.mark.fault("F14")
def test_f14_two_beats_send_the_hourly_slot_but_each_integration_syncs_once(sandbox, worker):
    """Two beat processes find the hourly fan-out due at once: the fan-out may run twice, but
    each integration gets one scheduled sync for the slot (the second is recorded skipped)."""
    integrations = synced_integrations(sandbox, worker)
    PeriodicTask.objects.filter(name=HOURLY).update(last_run_at=timezone.now() - timedelta(hours=2))
    worker.start_beat()
    worker._start("beat2", ["beat", "--loglevel", "INFO", "--schedule",
                           str(worker.workdir / "beat2-schedule")])  # fmt: skip
    wait_for(
        lambda: TaskResult.objects.filter(task_name=FAN_OUT, status="SUCCESS").exists(),
        timeout=40,
        message=lambda: worker.logs()[-3000:],
    )
    time.sleep(3)  # a second fan-out, if any, lands now
    checker.wait_quiet()
    one_scheduled_sync_each(integrations)
    checker.check_all(sandbox, worker, integrations, secrets_of(sandbox))


@pytest.mark.fault("F15")
def test_f15_kill_9_of_beat_right_after_a_send_does_not_send_the_slot_again(sandbox, worker):
    """Beat is killed (-9) right after sending the hourly fan-out and started again: with
    beat_sync_every=1 the slot is stored as sent with the send, so the restarted beat does not
    send it again. (A kill between the send and that write, a window of milliseconds, makes the
    restarted beat send the slot again: F14 shows such a second send absorbed.)"""
    integrations = synced_integrations(sandbox, worker)
    due_since = timezone.now() - timedelta(hours=2)
    PeriodicTask.objects.filter(name=HOURLY).update(last_run_at=due_since)
    worker.start_beat()
    wait_for(
        lambda: PeriodicTask.objects.get(name=HOURLY).last_run_at > due_since,
        timeout=40,
        interval=0.05,
        message=lambda: worker.log("beat")[-3000:],
    )
    worker.kill("beat")
    assert "Sending due task " + HOURLY in worker.log("beat")
    # The same schedule file, a new log: beat restarted where it left off.
    worker._start("beat-again", ["beat", "--loglevel", "INFO", "--schedule",
                                 str(worker.workdir / "beat-schedule")])  # fmt: skip
    wait_for(lambda: "beat: Starting" in worker.log("beat-again"), timeout=30, message="beat")
    time.sleep(6)
    checker.wait_quiet()
    resent = worker.log("beat-again").count("Sending due task " + HOURLY)
    assert resent == 0, worker.log("beat-again")[-3000:]
    one_scheduled_sync_each(integrations)
    checker.check_all(sandbox, worker, integrations, secrets_of(sandbox))


def manage_shell(procs, code: str) -> None:
    """Python code in a `manage.py shell` with the workers' environment (their broker)."""
    command = [sys.executable, "manage.py", "shell", "-c", code]
    subprocess.run(command, cwd=REPO_ROOT, env=procs.env, check=True, timeout=60)


@pytest.fixture
def redis(tmp_path):
    server = RedisServer(tmp_path, free_port())
    server.start()
    yield server
    server.stop()


@pytest.mark.fault("F5")
def test_f5_redis_restarts_mid_sync_the_run_resumes_and_nothing_is_lost(
    fresh_sandbox, procs, redis
):
    """The broker (a private redis-server with AOF) stops for 2 s and starts again while a
    "sync now" runs: the worker reconnects, cancels the task it can no longer acknowledge
    (worker_cancel_long_running_tasks_on_connection_loss), and the run is resumed by the
    redelivered message or the sweep. Every card arrives once; C1-C5."""
    procs.env["CELERY_BROKER_URL"] = redis.url
    box = fresh_sandbox("--seed", "21", "--latency-ms", "400", "--boards", "4")
    integration = trello_integration(box, initial=False)  # queued below, on this Redis
    procs.start_ready_worker()
    request_sync = (
        "from integrations import services; from integrations.models import Integration; "
        f"services.request_sync(Integration.objects.get(pk={integration.pk}))"
    )
    manage_shell(procs, request_sync)
    run = SyncRun.objects.get(integration=integration, trigger="manual")
    assert run.status in ("queued", "running")
    wait_for(
        lambda: SyncRun.objects.get(pk=run.pk).records_created > 0,
        timeout=60,
        interval=0.1,
        message=lambda: procs.logs()[-4000:],
    )
    redis.stop()
    time.sleep(2)
    redis.start()
    wait_for(
        lambda: "sync interrupted" in procs.log("worker"),
        timeout=30,
        message=lambda: procs.logs()[-4000:],
    )
    # What beat's sweep (every 10 minutes) does once the cancelled run's lease has run out,
    # unless the redelivered message resumed it first; it sends through this test's Redis.
    code = "import time; from integrations import recovery; time.sleep(4); print(recovery.sweep())"
    manage_shell(procs, code)
    wait_for(
        lambda: SyncRun.objects.filter(integration=integration, status="succeeded").exists(),
        timeout=90,
        message=lambda: procs.logs()[-4000:],
    )
    # C5's follow-up sync, sent through the worker's broker (this process sends elsewhere).
    succeeded = SyncRun.objects.filter(integration=integration, status="succeeded")
    before = succeeded.count()
    manage_shell(procs, request_sync)
    wait_for(
        lambda: succeeded.count() == before + 1,
        timeout=60,
        message=lambda: procs.logs()[-4000:],
    )
    checker.check_all(box, procs, [integration], secrets_of(box), follow_up=False)


@pytest.mark.fault("F7")
def test_f7_the_database_drops_the_workers_connections_mid_sync(fresh_sandbox, worker):
    """PostgreSQL: pg_terminate_backend of every other connection to the test database while a
    sync runs; the run fails as a database error (or the task is retried) and the sync then
    succeeds. SQLite has no server to drop connections: the closest fault is another process
    holding the write lock for 5 s mid sync (below the 20 s busy timeout); the sync waits."""
    box = fresh_sandbox("--seed", "61", "--latency-ms", "400", "--boards", "3")
    integration = trello_integration(box)
    wait_for(
        lambda: SyncRun.objects.filter(integration=integration, records_created__gt=0).exists(),
        timeout=40,
        interval=0.1,
        message=lambda: worker.logs()[-3000:],
    )
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
            assert cursor.fetchall(), "no worker connection to drop"
    else:
        import sqlite3

        lock = sqlite3.connect(connection.settings_dict["NAME"], timeout=20)
        lock.execute("BEGIN EXCLUSIVE")
        time.sleep(5)
        lock.rollback()
        lock.close()
    if connection.vendor == "postgresql":
        # A run left running by the dropped connection is what the sweep closes and queues
        # again (beat runs it every 10 minutes), once no batch has renewed the lease for 8 s.
        idle_since = None
        deadline = time.monotonic() + 40
        while time.monotonic() < deadline and runs(integration)[-1].status != "succeeded":
            if runs(integration)[-1].status == "running" and not leases.is_syncing(integration):
                idle_since = idle_since or time.monotonic()
                if time.monotonic() - idle_since > 8:
                    recovery.sweep()
                    idle_since = None
            else:
                idle_since = None
            time.sleep(0.5)
    wait_succeeded(integration, worker, timeout=20)
    checker.check_all(box, worker, [integration], secrets_of(box))


@pytest.mark.fault("F6")
def test_f6_broker_down_at_enqueue_the_create_succeeds_and_the_sweep_syncs(
    sandbox, worker, settings
):
    """The creating process cannot reach its broker (a Redis URL with nothing listening; on
    either backend, as Redis down at enqueue): the integration is still created, its run stays
    queued, and the sweep finds the lost run after the grace period and queues it again."""
    settings.AGILETRACK_INITIAL_SYNC_GRACE_SECONDS = 2
    trello = sandbox.info["trello"]
    code = (
        "from integrations import services; from tests.factories import TeamFactory; "
        "i = services.create_integration(team=TeamFactory(), kind='trello', name='lost', "
        f"config={{'api_url': {trello['api_url']!r}, "
        f"'board_ids': [{trello['boards'][0]['id']!r}]}}, "
        f"credentials={{'key': {trello['key']!r}, 'token': {trello['token']!r}}}); "
        "print('ID', i.pk)"
    )
    env = {**worker.env, "CELERY_BROKER_URL": "redis://127.0.0.1:9/0", "REDIS_URL": ""}
    started = time.monotonic()
    out = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", code],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert out.returncode == 0, out.stdout + out.stderr
    assert time.monotonic() - started < 45
    integration = Integration.objects.get(name="lost")
    assert [r.status for r in runs(integration)] == ["queued"]
    time.sleep(3)
    result = recovery.sweep()
    assert result["runs_lost"] == 1
    found = wait_succeeded(integration, worker)
    assert [(r.status, r.error_type) for r in found] == [("failed", "lost"), ("succeeded", "")]
    checker.check_all(sandbox, worker, [integration], secrets_of(sandbox))


def peak_memory_kib(pid: int) -> int:
    """A process's peak resident memory so far (VmHWM), in KiB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    raise AssertionError(f"no VmHWM for process {pid}")


@pytest.mark.fault("F19")
def test_f19_backend_cleanup_of_many_expired_task_results_is_bounded(worker):
    """100,000 expired task results; celery.backend_cleanup on the real worker deletes them
    within 45 s, leaves fresh results alone, and the pool process's peak memory grows by less
    than 20 MiB (the delete is one statement in the database; no row is loaded)."""
    old = timezone.now() - timedelta(days=30)
    TaskResult.objects.bulk_create(
        [
            TaskResult(task_id=f"old-{n}", status="SUCCESS", date_done=old, result="null")
            for n in range(100_000)
        ],
        batch_size=5000,
    )
    TaskResult.objects.filter(task_id__startswith="old-").update(date_done=old)
    TaskResult.objects.create(task_id="fresh", status="SUCCESS", result="null")
    [child] = worker.child_pids()
    peak_before = peak_memory_kib(child)
    started = time.monotonic()
    app.send_task("celery.backend_cleanup", queue=worker.queue)
    wait_for(
        lambda: not TaskResult.objects.filter(task_id__startswith="old-").exists(),
        timeout=45,
        interval=0.5,
        message=lambda: worker.logs()[-3000:],
    )
    elapsed = time.monotonic() - started
    wait_for(lambda: "backend_cleanup" in worker.log("worker"), timeout=20, message="task ended")
    assert worker.child_pids() == [child], "the cleanup ran in the measured pool process"
    growth = peak_memory_kib(child) - peak_before
    assert TaskResult.objects.filter(task_id="fresh").exists()
    print(f"F19 backend_cleanup of 100000 rows: {elapsed:.1f}s, peak memory +{growth} KiB")
    assert growth < 20 * 1024, f"peak memory grew by {growth} KiB"
    # No integration here: C2 over the tables, and C5 without a follow-up sync.
    checker.check_c2([])
    checker.check_c5(worker, [], follow_up=False)
