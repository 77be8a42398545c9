"""The fault suite's checker: C1-C5 of RELIABILITY-NOTES section 5 for a set of integrations.

C1 no loss      stored items == the sandbox's items, or the run says why not (a failure record)
C2 no doubles   one row per (integration, external_id) in every activity table; at most one
                succeeded run per (integration, trigger slot)
C3 metrics      the selectors' numbers == the pure functions over every stored row
C4 honest state last_sync_at set, status allowed, no secret in runs, integrations, task
                results or the process logs
C5 recovered    processes alive, a following sync succeeds, nothing left queued or running
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import requests
from django.db import connection
from django_celery_results.models import TaskResult

from integrations import queueing
from integrations.models import Integration, SyncRun
from metrics import calculations as calc
from metrics import derived, selectors
from metrics.models import (
    Commit,
    Deployment,
    Incident,
    PullRequest,
    Review,
    Sprint,
    WorkItem,
    WorkItemChange,
)
from sandbox.timefmt import DEFAULT_NOW, parse_iso
from tests.facts import every_item_with_its_history, sprint_scope_of, work_item_facts

ACTIVITY_MODELS = (PullRequest, Review, Commit, Deployment, Incident, Sprint, WorkItem)
ALLOWED_STATUSES = {s.value for s in Integration.Status} - {"pending"}
FINISHED = ("succeeded", "failed", "partial", "skipped")
SANDBOX_NOW = datetime.fromtimestamp(parse_iso(DEFAULT_NOW), tz=UTC)


class CheckFailed(AssertionError):
    pass


def _fail(check: str, message: str) -> None:
    raise CheckFailed(f"{check}: {message}")


# --- the sandbox's side ---------------------------------------------------------------------


def _walk_pages(url: str, **kwargs) -> Iterator[list[dict]]:
    """GitHub-style pages: follow the Link header's next until there is none."""
    params = kwargs.pop("params", None)
    while url:
        answer = requests.get(url, params=params, timeout=10, **kwargs)
        answer.raise_for_status()
        yield answer.json()
        url, params = answer.links.get("next", {}).get("url", ""), None


def _walk_agile(url: str, key: str = "values", **kwargs) -> Iterator[dict]:
    """Jira Agile pages: startAt / maxResults until the last."""
    start = 0
    while True:
        params = {"startAt": start, "maxResults": 50}
        answer = requests.get(url, params=params, timeout=10, **kwargs)
        answer.raise_for_status()
        body = answer.json()
        yield from body[key]
        start += len(body[key])
        # Issue pages give a total, sprint pages isLast (as Jira Cloud does).
        done = start >= body["total"] if "total" in body else body.get("isLast", True)
        if done or not body[key]:
            return


def expected_items(box, integration: Integration) -> dict[type, set[str]]:
    """What the sandbox holds for an integration, per activity model, read over its public API
    (not through our provider clients): Trello cards of the configured boards; GitHub pull
    requests of the configured repositories; the Jira board's issues and sprints."""
    info, config = box.info, integration.config
    if integration.kind == "trello":
        auth = {"key": info["trello"]["key"], "token": info["trello"]["token"]}
        ids: set[str] = set()
        for board_id in config["board_ids"]:
            url = f"{info['trello']['api_url']}/boards/{board_id}/cards/all"
            ids |= {card["id"] for page in _walk_pages(url, params=auth) for card in page}
        return {WorkItem: ids}
    if integration.kind == "github":
        headers = {"Authorization": f"Bearer {info['github']['token']}"}
        pulls: set[str] = set()
        for repository in config["repositories"]:
            url = f"{config['api_url']}/repos/{repository}/pulls"
            params = {"state": "all", "per_page": 100}
            pages = _walk_pages(url, params=params, headers=headers)
            pulls |= {str(pull["id"]) for page in pages for pull in page}
        return {PullRequest: pulls}
    if integration.kind == "jira" and config.get("board_id"):
        auth = (info["jira"]["email"], info["jira"]["api_token"])
        board = f"{config['site_url']}/rest/agile/1.0/board/{config['board_id']}"
        issues = {issue["id"] for issue in _walk_agile(f"{board}/issue", "issues", auth=auth)}
        sprints = {str(sprint["id"]) for sprint in _walk_agile(f"{board}/sprint", auth=auth)}
        return {WorkItem: issues, Sprint: sprints}
    return {}


# --- C1 .. C5 --------------------------------------------------------------------------------


def check_c1(box, integrations: list[Integration]) -> None:
    """No loss: stored items equal the sandbox's, unless the last run is an explicit failure."""
    for integration in integrations:
        last = (
            SyncRun.objects.filter(integration=integration)
            .exclude(status="skipped")
            .order_by("pk")
            .last()
        )
        if last is None:
            _fail("C1", f"integration {integration.pk} has no sync run at all")
        expected = expected_items(box, integration)
        for model, ids in expected.items():
            stored = set(
                model.objects.filter(integration=integration).values_list("external_id", flat=True)
            )
            if last.status == "succeeded":
                if stored != ids:
                    _fail(
                        "C1",
                        f"integration {integration.pk} {model.__name__}: {len(ids - stored)} "
                        f"missing, {len(stored - ids)} unknown (run {last.pk} succeeded)",
                    )
            else:
                # An explicit failure record, and nothing stored that the provider lacks.
                if not (last.error_type and last.error_message):
                    _fail("C1", f"run {last.pk} ended {last.status} without saying why")
                if stored - ids:
                    _fail("C1", f"integration {integration.pk} stored items the sandbox lacks")


def check_c2(integrations: list[Integration]) -> None:
    """No duplicates per activity table; at most one succeeded run per (integration, slot)."""
    ids = [i.pk for i in integrations]
    with connection.cursor() as cursor:
        for model in (*ACTIVITY_MODELS, WorkItemChange):
            table = model._meta.db_table
            cursor.execute(
                f"SELECT COUNT(*), COUNT(DISTINCT CAST(integration_id AS TEXT) || ':' || external_id) "  # noqa: S608, E501
                f"FROM {table}"
            )
            total, distinct = cursor.fetchone()
            if total != distinct:
                _fail("C2", f"{table}: {total} rows but {distinct} distinct (integration, id)")
    for integration_id in ids:
        # The initial sync is one slot: it succeeds at most once.
        initial = SyncRun.objects.filter(
            integration_id=integration_id, trigger="initial", status="succeeded"
        ).count()
        if initial > 1:
            _fail("C2", f"integration {integration_id}: {initial} succeeded initial runs")


def _same(got: dict, expected: calc.Summary) -> bool:
    for name, value in expected.__dict__.items():
        if value is None or got[name] is None:
            if value is not got[name]:
                return False
        elif abs(got[name] - value) > 1e-6 * max(1.0, abs(value)):
            return False
    return True


def check_c3(integrations: list[Integration]) -> None:
    """The work-item, DORA, pull-request and sprint families (cached, as the dashboard reads
    them) == the pure functions over every stored row."""
    teams = {i.team for i in integrations}
    for team in teams:
        ids = [i.pk for i in integrations if i.team_id == team.pk]
        # Epics are left out by default (issue 19 point 7), as the pages do.
        items = calc.flow_items(
            work_item_facts(WorkItem.objects.filter(integration_id__in=ids)), ["Epic"]
        )
        end = SANDBOX_NOW.astimezone(ZoneInfo(team.time_zone or "UTC")).date()
        scope = selectors.metric_scope(
            team, since=end - timedelta(days=130), until=end, integrations=ids, now=SANDBOX_NOW
        )
        work = selectors.team_metrics(scope, families=["work_items"])["work_items"]
        start, stop, tz = scope.start, scope.end, scope.tz
        # One population for lead, cycle and throughput: finished in the window, done at its end.
        done = [f for f in (calc.finish_in(i, start, stop) for i in items) if f]
        lead = calc.summarize(calc.finish_lead_minutes(f) for f in done)
        if not _same(work["lead_time"], lead):
            _fail("C3", f"team {team.pk}: lead time {work['lead_time']} != {lead}")
        cycle = calc.summarize(calc.finish_cycle_minutes(f) for f in done)
        if not _same(work["cycle_time"], cycle):
            _fail("C3", f"team {team.pk}: cycle time {work['cycle_time']} != {cycle}")
        if work["throughput"]["done"] != len(done):
            _fail("C3", f"team {team.pk}: throughput {work['throughput']['done']} != {len(done)}")
        flow = calc.cumulative_flow(items, start, stop, tz)
        got = {
            row["day"]: {k: v for k, v in row.items() if k != "day"}
            for row in work["cumulative_flow"]
        }
        expected = {day: dict(counts) for day, counts in flow.items()}
        if got != expected:
            _fail("C3", f"team {team.pk}: cumulative flow differs from the recomputation")
        _check_c3_delivery(team, ids, scope)
        _check_c3_sprints(team, scope)


def _check_c3_delivery(team, ids: list[int], scope) -> None:
    """The DORA and pull-request families (cached) == the pure functions over every row."""
    integrations = list(Integration.objects.filter(pk__in=ids))
    deployments = [fact for i in integrations for fact in derived.deployment_facts(i)]
    prs = derived.pull_request_facts(
        PullRequest.objects.filter(integration_id__in=ids).prefetch_related(
            "reviews", "comments", "commits"
        )
    )
    incidents = [
        calc.IncidentFacts(str(i.pk), i.created_at, i.resolved_at, i.repository)
        for i in Incident.objects.filter(integration_id__in=ids)
    ]
    report = selectors.team_metrics(scope, families=["dora", "pull_requests"])
    dora, pulls = report["dora"], report["pull_requests"]
    start, stop = scope.start, scope.end
    frequency = calc.deployment_frequency(deployments, start, stop, scope.tz)
    if dora["deployment_frequency"]["deployments"] != frequency.deployments:
        _fail("C3", f"team {team.pk}: deployments {dora['deployment_frequency']} != {frequency}")
    timings = calc.merged_pull_request_timings(prs, deployments)
    lead = calc.lead_time_for_changes(timings, start, stop)
    if not _same(dora["lead_time_for_changes"]["summary"], lead.summary):
        _fail("C3", f"team {team.pk}: lead time for changes differs from the recomputation")
    failure = calc.change_failure_rate(deployments, incidents, start, stop)
    got = dora["change_failure_rate"]
    if (got["deployments"], got["failed"]) != (failure.deployments, failure.failed):
        _fail("C3", f"team {team.pk}: change failure rate {got} != {failure}")
    merged = sum(calc.pull_request_throughput(prs, start, stop, scope.tz).values())
    if pulls["throughput"]["merged"] != merged:
        _fail("C3", f"team {team.pk}: merged {pulls['throughput']['merged']} != {merged}")


def _check_c3_sprints(team, scope) -> None:
    """Every sprint the sprints family reports == its scope from its items' histories."""
    for board in selectors.team_metrics(scope, families=["sprints"])["sprints"]["boards"]:
        stored = {
            s.external_id: s for s in Sprint.objects.filter(integration_id=board["integration"])
        }
        items = every_item_with_its_history(board["integration"])
        for reported in board["sprints"]:
            expected = sprint_scope_of(stored[reported["id"]], items)
            for name in ("committed", "added", "removed", "completed"):
                got, want = reported[f"{name}_points"], getattr(expected, f"{name}_points")
                if got != want:
                    _fail("C3", f"team {team.pk} sprint {reported['id']}: {name} {got} != {want}")


def check_c4(integrations: list[Integration], secrets: list[str], logs: str = "") -> None:
    """last_sync_at set, status allowed, and no secret anywhere we write text."""
    for integration in integrations:
        integration.refresh_from_db()
        if integration.last_sync_at is None:
            _fail("C4", f"integration {integration.pk}: last_sync_at not set")
        if integration.status not in ALLOWED_STATUSES:
            _fail("C4", f"integration {integration.pk}: status {integration.status!r}")
    texts = {
        "SyncRun.error_message": list(SyncRun.objects.values_list("error_message", flat=True)),
        "Integration.last_error": list(Integration.objects.values_list("last_error", flat=True)),
        "TaskResult": [
            f"{r.task_args} {r.task_kwargs} {r.result} {r.traceback}"
            for r in TaskResult.objects.all()
        ],
        "logs": [logs],
    }
    for secret in secrets:
        assert len(secret) >= 8, "a sentinel must be a distinctive string"
        for where, values in texts.items():
            if any(secret in (value or "") for value in values):
                _fail("C4", f"a secret appears in {where}")


def wait_quiet(timeout: float = 60) -> None:
    """Until no run is queued or running (the queues drained)."""
    deadline = time.monotonic() + timeout
    while SyncRun.objects.filter(status__in=["queued", "running"]).exists():
        if time.monotonic() > deadline:
            stuck = list(
                SyncRun.objects.filter(status__in=["queued", "running"]).values_list(
                    "pk", "integration_id", "status"
                )
            )
            _fail("C5", f"runs left queued or running: {stuck}")
        time.sleep(0.3)


def check_c5(procs, integrations: list[Integration], follow_up: bool = True) -> None:
    """Processes alive, nothing stuck, and (unless told not to) a following sync succeeds."""
    procs.assert_alive()
    wait_quiet()
    if not follow_up:
        return
    for integration in integrations:
        run = queueing.queue_sync(integration, SyncRun.Trigger.MANUAL)
        # queue_sync sends on commit; autocommit here commits at once.
        deadline = datetime.now(UTC) + timedelta(seconds=60)
        while True:
            run.refresh_from_db()
            if run.status in FINISHED:
                break
            if datetime.now(UTC) > deadline:
                _fail("C5", f"follow-up run {run.pk} never finished:\n{procs.logs()[-3000:]}")
            time.sleep(0.3)
        if run.status != "succeeded":
            _fail("C5", f"follow-up run {run.pk} ended {run.status}: {run.error_message}")
    procs.assert_alive()


def check_all(
    box,
    procs,
    integrations: list[Integration],
    secrets: list[str],
    *,
    follow_up: bool = True,
) -> None:
    """C1-C5 in order; C5's follow-up sync runs last and C1-C2 are checked again after it."""
    if procs is not None:
        wait_quiet()
    for integration in integrations:
        integration.refresh_from_db()
    check_c1(box, integrations)
    check_c2(integrations)
    check_c3(integrations)
    check_c4(integrations, secrets, procs.logs() if procs else "")
    if procs is not None:
        check_c5(procs, integrations, follow_up=follow_up)
        if follow_up:
            check_c1(box, integrations)
            check_c2(integrations)
            check_c4(integrations, secrets, procs.logs())
