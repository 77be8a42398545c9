"""The API against its own OpenAPI schema: schemathesis generates requests for every read
operation of the live /api/schema/ and checks each answer.

A request may be refused (400, 404, ...), but never with a server error, a status code the schema
does not document, a body that does not match the documented schema or an undocumented content
type. Each operation gets a bounded number of valid and of invalid (negative) requests, and
valid ones again with the ids of stored rows (detail routes) and of the user's team (`team`), so
that successful answers are checked too. The run is derandomized: the same requests every time.

Only GET operations are fuzzed. The writes are left out on purpose: POST .../sync/ queues a Celery
task, POST .../test/ calls the provider, and creating or updating an integration resolves its URLs
(DNS) and queues a sync on the broker; none of that belongs in a fast, offline run.

(The operations are driven with schemathesis' Python API and pytest's `subtests`, one subtest per
operation and kind of input: `schemathesis.pytest.from_fixture` reads `Node._nodeid`, which
pytest 9.2 no longer has.)
"""

from datetime import date, timedelta

import pytest
import schemathesis
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from rest_framework.authtoken.models import Token
from schemathesis import GenerationMode, checks

from agreements.models import Alert, WorkingAgreement
from integrations.models import SyncRun
from metrics import derived
from metrics.ingest import ingest
from metrics.models import Deployment, PullRequest, Sprint, WorkItem
from metrics.scope import DEFAULT_WINDOW_DAYS, MAX_WINDOW_DAYS
from tests.factories import TeamFactory, UserFactory, make_integration
from tests.metrics.test_derived import deployment
from tests.metrics.test_ingest import T0, pull_request, work_item

# serialized_rollback: the suite's other transactional tests (tests/e2e) rely on the rows the
# migrations seed; restoring them after this test keeps every later test's database the same.
pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

# Every check schemathesis has (`--checks all`): beyond 5xx, undocumented statuses, bodies off
# their schema and wrong content types, valid input must be accepted (positive_data_acceptance)
# and invalid input refused (negative_data_rejection).
checks.load_all_checks()
CHECKS = checks.CHECKS.get_all()
# Requests generated per operation and kind of input (valid, invalid, valid with known ids).
EXAMPLES = 15
# The read operations: 9 lists, metrics, the teams' metrics, time series, the agreements'
# metrics and back-test, and 9 detail routes (the integrations' sync and test actions, the
# agreements' evaluation and the alerts' actions are POSTs). A new one needs a known id below.
READ_OPERATIONS = 23
BACKTEST = "/api/working-agreements/{id}/backtest/"
BACKTEST_MAX_DAYS = 366


@pytest.fixture
def stored(monkeypatch) -> dict:
    """A member of a team with some synced-looking activity: their API token and known ids."""
    # The integrations' first syncs are recorded as queued runs but never sent to a broker.
    monkeypatch.setattr("integrations.queueing.enqueue_sync", lambda run: None)
    user = UserFactory()
    team = TeamFactory(members=[user])
    github = make_integration(team)
    ingest(
        github,
        [
            deployment("before", T0 - timedelta(days=1)),
            pull_request(1),
            pull_request(2, state="open", merged_at=None, closed_at=None, reviews=()),
            deployment("after", T0 + timedelta(hours=6)),
            deployment("failed", T0 + timedelta(days=2), status="failure"),
        ],
    )
    derived.refresh(github)
    jira = make_integration(team, kind="jira")
    ingest(jira, work_item())
    derived.refresh(jira)
    agreement = WorkingAgreement.objects.create(
        team=team, name="Open PRs", metric="pr_open_days", operator="<=", threshold=7
    )
    alert = Alert.objects.create(agreement=agreement, opened_at=T0, details={"items": []})
    # Someone else's team: its rows must stay out of every answer (404s, filtered lists).
    make_integration(TeamFactory(members=[UserFactory()]), kind="trello")
    return {
        "token": Token.objects.create(user=user).key,
        "team": team.pk,
        "ids": {
            "/api/teams/{id}/": team.pk,
            "/api/integrations/{id}/": github.pk,
            "/api/sync-runs/{id}/": SyncRun.objects.filter(integration=github).get().pk,
            "/api/pull-requests/{id}/": PullRequest.objects.get(number=1).pk,
            "/api/deployments/{id}/": Deployment.objects.filter(integration=github).first().pk,
            "/api/work-items/{id}/": WorkItem.objects.get().pk,
            "/api/sprints/{id}/": Sprint.objects.filter(start_at__isnull=False).get().pk,
            "/api/working-agreements/{id}/": agreement.pk,
            BACKTEST: agreement.pk,
            "/api/alerts/{id}/": alert.pk,
        },
    }


def within_window_rule(case):
    """The valid request, with `since` and `until` left to their defaults when they break the
    rule the schema states in words (JSON Schema cannot compare two parameters): `since` not
    after `until`, at most MAX_WINDOW_DAYS days (a back-test: BACKTEST_MAX_DAYS), within the
    years 1 to 9999."""
    query = case.query or {}
    try:
        until = date.fromisoformat(query["until"]) if "until" in query else date.today()
        since = (
            date.fromisoformat(query["since"])
            if "since" in query
            else until - timedelta(days=DEFAULT_WINDOW_DAYS - 1)
        )
        fits = date(1, 1, 3) <= since <= until <= date(9999, 12, 29)
        longest = BACKTEST_MAX_DAYS if case.operation.path == BACKTEST else MAX_WINDOW_DAYS - 2
        fits = fits and (until - since).days < longest
    except (TypeError, ValueError, OverflowError):
        fits = False
    if not fits:
        query.pop("since", None)
        query.pop("until", None)
    return case


def inputs(operation, stored: dict) -> dict[str, object]:
    """The strategies to run for the operation, by name."""
    valid = operation.as_strategy(generation_mode=GenerationMode.POSITIVE)
    strategies: dict[str, object] = {"valid": valid.map(within_window_rule)}
    if len(operation.path_parameters) or len(operation.query):
        # (An operation without parameters, such as the agreements' metrics, has no invalid input.)
        strategies["invalid"] = operation.as_strategy(generation_mode=GenerationMode.NEGATIVE)
    known: dict[str, dict] = {}
    if "id" in operation.path_parameters:
        known["path_parameters"] = {"id": stored["ids"][operation.path]}
    if "team" in operation.query:
        known["query"] = {"team": stored["team"]}
    if known:
        strategies["known ids"] = operation.as_strategy(**known).map(within_window_rule)
    return strategies


def fuzz(strategy, auth: dict, statuses: list[int]) -> None:
    """Send the strategy's requests and check every answer; note their status codes."""

    @hypothesis_settings(
        max_examples=EXAMPLES,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(case=strategy)
    def answers_as_documented(case):
        response = case.call_and_validate(headers=auth, checks=CHECKS, timeout=30)
        statuses.append(response.status_code)

    answers_as_documented()


def test_read_operations_answer_as_documented(live_server, stored, settings, subtests):
    # The token throttle (1200/hour by default) would answer 429 halfway through the run.
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"token": "100000/hour"},
    }
    auth = {"Authorization": f"Token {stored['token']}"}
    schema = schemathesis.openapi.from_url(
        f"{live_server.url}/api/schema/", headers=auth, timeout=30
    ).include(method="GET")
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) == READ_OPERATIONS, [operation.label for operation in operations]

    statuses: dict[tuple[str, str], list[int]] = {}
    for operation in operations:
        for name, strategy in inputs(operation, stored).items():
            with subtests.test(msg=f"{operation.label} ({name})"):
                fuzz(strategy, auth, statuses.setdefault((operation.label, name), []))

    # Successful answers were checked too: every operation answered 2xx to valid input.
    succeeded = {
        label
        for (label, name), codes in statuses.items()
        if name != "invalid" and any(200 <= code < 300 for code in codes)
    }
    assert succeeded == {operation.label for operation in operations}
