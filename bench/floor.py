"""Benchmark 4's raw floor: every number the cold team overview computes, as hand-written SQL
over the same rows, run one window at a time through a plain psycopg2 cursor (PostgreSQL only).

The same filters as metrics.selectors: the team's integrations, the window's local midnights in
the team's time zone, human pull requests, production deployments by each integration's
`deployment_environments`, superseded attempts and left-out work item kinds aside. Each query is
fetched whole and nothing is computed from it in Python. What the page does besides (sign-in,
the team and its sync statuses, the cache, the bands looked up from the medians, the template)
is what the page costs above this floor.
"""

# ruff: noqa: S608 (statements are put together from this module's constants; values are parameters)
from __future__ import annotations

import time
from datetime import date, datetime
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import connection
from django.utils import timezone

from metrics.scope import MetricScope
from metrics.views import interval_for

CATEGORIES = "('todo', 'in_progress', 'done')"  # calc.CATEGORIES: the flow's three bands


def _local_days(first: str) -> str:
    """Every local day from the one `first` falls on to the one before the window's end."""
    return (
        f"generate_series(date(%({first})s AT TIME ZONE %(tz)s)::timestamp, "
        "date((%(end)s - interval '1 microsecond') AT TIME ZONE %(tz)s)::timestamp, '1 day')"
    )


def _summary(value: str) -> str:
    """count, median, p75, p90, mean, min, max of `value` (NULLs skipped): a Summary."""
    return (
        f"count({value}), percentile_cont(0.5) WITHIN GROUP (ORDER BY {value}), "
        f"percentile_cont(0.75) WITHIN GROUP (ORDER BY {value}), "
        f"percentile_cont(0.9) WITHIN GROUP (ORDER BY {value}), "
        f"avg({value}), min({value}), max({value})"
    )


# The scope: the team's integrations and time zone; the first day with activity (its local
# midnight), where a window reaching before it counts from (metrics.scope.first_data_day).
SCOPE = """
SELECT t.time_zone, ARRAY(SELECT id FROM integrations_integration WHERE team_id = t.id ORDER BY id)
FROM integrations_team t WHERE t.id = %(team)s"""
DATA_START = """
SELECT (date(min(first) AT TIME ZONE %(tz)s))::timestamp AT TIME ZONE %(tz)s FROM (
  SELECT min(created_at) FROM metrics_pullrequest WHERE integration_id = ANY(%(ids)s)
  UNION ALL SELECT min(created_at) FROM metrics_deployment WHERE integration_id = ANY(%(ids)s)
  UNION ALL SELECT min(created_at) FROM metrics_incident WHERE integration_id = ANY(%(ids)s)
  UNION ALL SELECT min(created_at) FROM metrics_workitem WHERE integration_id = ANY(%(ids)s)
) AS firsts(first)"""

# Production deployments, each counted once (metrics.production, metrics.deployed): `at` is
# finished, else created; an integration's empty `deployment_environments` counts every one.
PRODUCTION = """
rules AS (
  SELECT i.id, i.config -> 'deployment_environments' = '[]'::jsonb AS every_one,
    ARRAY(SELECT lower(trim(e)) FROM jsonb_array_elements_text(COALESCE(
      NULLIF(i.config -> 'deployment_environments', 'null'::jsonb), '["production", "prod"]'
    )) AS e) AS environments
  FROM integrations_integration i WHERE i.id = ANY(%(ids)s)
), production AS (
  SELECT d.id, d.repository, COALESCE(d.finished_at, d.created_at) AS at,
    lower(d.status) = 'success' AS succeeded, lower(d.status) IN ('failure', 'error') AS failed
  FROM metrics_deployment d JOIN rules r ON r.id = d.integration_id
  WHERE NOT d.superseded AND (d.source <> 'deployments' OR r.every_one
    OR lower(d.environment) = ANY(r.environments))
)"""
# An incident's deployment (calc.attribute_incidents): the latest successful production one
# finished at or before its opening (ties: the greatest id as text), no longer than the link
# window before it. One pass over a timeline of successes and incidents: each success starts a
# group, so an incident's group begins with the success it is linked to.
LINKS = """
timeline AS (
  SELECT at AS t, 0 AS k, id AS dep_id, NULL::bigint AS incident_id FROM production
  WHERE succeeded
  UNION ALL SELECT created_at, 1, NULL, id FROM metrics_incident
  WHERE integration_id = ANY(%(ids)s)
), grouped AS (
  SELECT *, count(dep_id) OVER (ORDER BY t, k, dep_id::text) AS grp FROM timeline
), linked AS (
  SELECT incident_id, t, first_value(dep_id) OVER w AS dep_id, first_value(t) OVER w AS dep_at
  FROM grouped WINDOW w AS (PARTITION BY grp ORDER BY t, k, dep_id::text)
), incident_links AS (
  SELECT i.id, i.created_at, i.resolved_at,
    CASE WHEN %(link_days)s::int IS NULL
      OR i.created_at - l.dep_at <= %(link_days)s * interval '1 day' THEN l.dep_id
    END AS deployment_id,
    l.dep_at AS deployed_at
  FROM linked l JOIN metrics_incident i ON i.id = l.incident_id
)"""

DORA = {
    # Deployment frequency: successful production deployments finished in the window (from the
    # first day of data), their local days, per day and per week elapsed, and the lower median
    # of deployment days per local week and per month the window touches (empty ones too).
    "deployment_frequency": f"""
WITH {PRODUCTION},
shipped AS (SELECT at FROM production
  WHERE succeeded AND at >= %(counted_start)s AND at < %(end)s),
days AS (SELECT d::date AS day, EXISTS (SELECT 1 FROM shipped
    WHERE date(shipped.at AT TIME ZONE %(tz)s) = d::date) AS hit
  FROM {_local_days("counted_start")} AS d
  WHERE %(counted_start)s < %(end)s),
weeks AS (SELECT count(*) FILTER (WHERE hit) AS n FROM days GROUP BY date_trunc('week', day)),
months AS (SELECT count(*) FILTER (WHERE hit) AS n FROM days GROUP BY date_trunc('month', day))
SELECT (SELECT count(*) FROM shipped),
  (SELECT count(DISTINCT date(at AT TIME ZONE %(tz)s)) FROM shipped),
  (SELECT count(*) FROM shipped) / NULLIF(%(elapsed_days)s, 0),
  (SELECT count(*) FROM shipped) / NULLIF(%(elapsed_days)s, 0) * 7,
  (SELECT percentile_disc(0.5) WITHIN GROUP (ORDER BY n) FROM weeks),
  (SELECT percentile_disc(0.5) WITHIN GROUP (ORDER BY n) FROM months)""",
    # Lead time for changes: cycle minutes of human pull requests deployed in the window.
    "lead_time_for_changes": f"""
SELECT {_summary("cycle_time_minutes")} FROM metrics_pullrequest
WHERE integration_id = ANY(%(ids)s) AND NOT author_is_bot AND cycle_time_minutes IS NOT NULL
  AND deployed_at >= %(start)s AND deployed_at < %(end)s""",
    # Change failure rate: production deployments finished (succeeded or failed) in the window,
    # those failed or blamed for an incident opened since the window's start, and the incidents
    # opened in the window linked to no deployment.
    "change_failure_rate": f"""
WITH {PRODUCTION},
{LINKS},
links AS (SELECT id, created_at, deployment_id FROM incident_links
  WHERE created_at >= %(start)s),
counted AS (SELECT id, failed FROM production
  WHERE (succeeded OR failed) AND at >= %(start)s AND at < %(end)s)
SELECT count(*),
  count(*) FILTER (WHERE failed OR id IN (SELECT deployment_id FROM links)),
  count(*) FILTER (WHERE failed OR id IN (SELECT deployment_id FROM links))::float
    / NULLIF(count(*), 0),
  ARRAY(SELECT id FROM links WHERE deployment_id IS NULL AND created_at < %(end)s ORDER BY id)
FROM counted""",
    # Time to restore: whole minutes (down) from opened to resolved of incidents resolved in
    # the window.
    "time_to_restore": f"""
SELECT {_summary("minutes")} FROM (
  SELECT floor(date_part('epoch', resolved_at - created_at) / 60) AS minutes
  FROM metrics_incident WHERE integration_id = ANY(%(ids)s)
    AND resolved_at >= %(start)s AND resolved_at < %(end)s AND resolved_at >= created_at
) AS restored""",
    # Failed deployment recovery time: a failed production deployment to its repository's next
    # successful one, and an incident-linked deployment to the incident's resolution; whole
    # minutes (down) of those recovered in the window.
    "failed_deployment_recovery_time": f"""
WITH {PRODUCTION},
{LINKS},
times AS (
  SELECT repository, at, bool_or(succeeded) AS has_success FROM production
  GROUP BY repository, at
), nexts AS (
  -- Per repository, each distinct finish time's first later success (a running minimum from
  -- the latest time back, the time itself left out).
  SELECT repository, at, min(CASE WHEN has_success THEN at END) OVER (PARTITION BY repository
    ORDER BY at DESC ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS next_success
  FROM times
),
recoveries AS (
  SELECT f.at AS failed_at, n.next_success AS recovered_at FROM production f
  JOIN nexts n USING (repository, at) WHERE f.failed AND n.next_success IS NOT NULL
  UNION ALL
  SELECT deployed_at, resolved_at FROM incident_links
  WHERE deployment_id IS NOT NULL AND resolved_at >= %(start)s AND resolved_at < %(end)s
)
SELECT {_summary("minutes")} FROM (
  SELECT floor(date_part('epoch', recovered_at - failed_at) / 60) AS minutes FROM recoveries
  WHERE recovered_at >= %(start)s AND recovered_at < %(end)s AND recovered_at >= failed_at
) AS recovered""",
    # Why a DORA metric is n/a: whether any production deployment and any incident is stored.
    "sources": f"""
WITH {PRODUCTION}
SELECT EXISTS (SELECT 1 FROM production),
  EXISTS (SELECT 1 FROM metrics_incident WHERE integration_id = ANY(%(ids)s))""",
}

HUMAN_MERGED = """FROM metrics_pullrequest WHERE integration_id = ANY(%(ids)s)
  AND NOT author_is_bot AND merged_at >= %(start)s AND merged_at < %(end)s"""
STAGES = ("coding", "pickup", "review", "deploy", "cycle")

PULL_REQUESTS = {
    # Stage times (coding, pickup, review, deploy, cycle), size (additions + deletions),
    # throughput (merged, per week elapsed) and merged without review, of human pull requests
    # merged in the window.
    "merged": "SELECT "
    + ", ".join(_summary(f"{stage}_time_minutes") for stage in STAGES)
    + f""", {_summary("additions + deletions")}, count(*),
  count(*) / NULLIF(%(elapsed_days)s, 0) * 7,
  count(*) FILTER (WHERE reviewed_before_merge = false) {HUMAN_MERGED}""",
    # Review load: per human reviewer, reviews submitted in the window (thread replies aside)
    # of other humans' pull requests, and how many pull requests.
    "review_load": """
SELECT r.reviewer, count(*), count(DISTINCT r.pull_request_id)
FROM metrics_review r JOIN metrics_pullrequest p ON p.id = r.pull_request_id
WHERE r.integration_id = ANY(%(ids)s) AND r.submitted_at >= %(start)s
  AND r.submitted_at < %(end)s AND NOT r.reviewer_is_bot AND NOT r.is_reply
  AND NOT p.author_is_bot AND r.reviewer <> p.author
GROUP BY r.reviewer ORDER BY count(*) DESC, r.reviewer""",
    # Open pull requests at the window's end (or now): human, not draft, neither merged nor
    # closed by then; their age in whole minutes (up).
    "open": f"""
SELECT {_summary("minutes")} FROM (
  SELECT ceil(date_part('epoch', %(moment)s - created_at) / 60) AS minutes
  FROM metrics_pullrequest WHERE integration_id = ANY(%(ids)s) AND NOT author_is_bot
    AND NOT is_draft AND (merged_at IS NULL OR merged_at > %(moment)s)
    AND (closed_at IS NULL OR closed_at > %(moment)s) AND created_at <= %(moment)s
) AS open_now""",
}

FINISHES = """FROM metrics_workitemfinish WHERE integration_id = ANY(%(ids)s)
  AND done_at >= %(start)s AND done_at < %(end)s AND (left_at IS NULL OR left_at >= %(end)s)"""
ITEMS = "metrics_workitem w WHERE w.integration_id = ANY(%(ids)s) AND NOT w.left_out"

WORK_ITEMS = {
    # Lead and cycle time and throughput (done, per week elapsed) of the finishes in the
    # window whose item is still done at its end.
    "finished": f"""
SELECT {_summary("lead_time_minutes")}, {_summary("cycle_time_minutes")}, count(*),
  count(*) / NULLIF(%(elapsed_days)s, 0) * 7 {FINISHES}""",
    # Cumulative flow: items per category at the end of each local day (WIP at the window's end
    # is its last day's in progress), from the daily rollup kept in the team's local days: the
    # days before the window summed, then each day of the window.
    "cumulative_flow": f"""
WITH moves(day, left_category, entered_category, n) AS (
  SELECT NULL::date, left_category, entered_category, sum(items) FROM metrics_flowday
  WHERE integration_id = ANY(%(ids)s) AND day < %(since)s
  GROUP BY left_category, entered_category
  UNION ALL SELECT day, left_category, entered_category, items FROM metrics_flowday
  WHERE integration_id = ANY(%(ids)s) AND day >= %(since)s AND day <= %(until)s
), deltas(day, category, n) AS (
  SELECT day, entered_category, n FROM moves WHERE entered_category IN {CATEGORIES}
  UNION ALL SELECT day, left_category, -n FROM moves WHERE left_category IN {CATEGORIES}
), base AS (
  SELECT COALESCE(sum(n) FILTER (WHERE category = 'todo'), 0) AS todo,
    COALESCE(sum(n) FILTER (WHERE category = 'in_progress'), 0) AS in_progress,
    COALESCE(sum(n) FILTER (WHERE category = 'done'), 0) AS done
  FROM deltas WHERE day IS NULL
), daily AS (
  SELECT d::date AS day,
    COALESCE(sum(x.n) FILTER (WHERE x.category = 'todo'), 0) AS todo,
    COALESCE(sum(x.n) FILTER (WHERE x.category = 'in_progress'), 0) AS in_progress,
    COALESCE(sum(x.n) FILTER (WHERE x.category = 'done'), 0) AS done
  FROM {_local_days("start")} AS d
  LEFT JOIN deltas x ON x.day = d::date GROUP BY d
)
SELECT daily.day, base.todo + sum(daily.todo) OVER (ORDER BY daily.day),
  base.in_progress + sum(daily.in_progress) OVER (ORDER BY daily.day),
  base.done + sum(daily.done) OVER (ORDER BY daily.day)
FROM daily, base ORDER BY daily.day""",
    # Aging WIP: items in progress now, aged in whole minutes (down) since started, else
    # created.
    "aging": f"""
SELECT {_summary("minutes")} FROM (
  SELECT floor(date_part('epoch', %(now)s - COALESCE(w.started_at, w.created_at)) / 60)
    AS minutes FROM {ITEMS} AND w.status_category = 'in_progress'
    AND COALESCE(w.started_at, w.created_at) <= %(now)s
) AS aging""",
}

# Every local day, week or month the window touches (metrics.selectors.common.periods).
PERIODS = f"""periods AS (SELECT DISTINCT date(date_trunc(%(interval)s, d)) AS period
  FROM {_local_days("start")} AS d)"""


def _per_period(column: str) -> str:
    return f"date(date_trunc(%(interval)s, {column} AT TIME ZONE %(tz)s))"


SERIES = {
    # The stage chart: median of each stage per period of merge.
    "pull_request_stages": f"""
WITH {PERIODS}, found AS (SELECT {_per_period("merged_at")} AS period, """
    + ", ".join(
        f"percentile_cont(0.5) WITHIN GROUP (ORDER BY {stage}_time_minutes) AS {stage}"
        for stage in STAGES
    )
    + f""" {HUMAN_MERGED} GROUP BY 1)
SELECT p.period, {", ".join(f"f.{stage}" for stage in STAGES)}
FROM periods p LEFT JOIN found f USING (period) ORDER BY p.period""",
    # The throughput chart: human pull requests merged per period.
    "pull_requests_merged": f"""
WITH {PERIODS}, found AS (SELECT {_per_period("merged_at")} AS period, count(*) AS n
  {HUMAN_MERGED} GROUP BY 1)
SELECT p.period, COALESCE(f.n, 0) FROM periods p LEFT JOIN found f USING (period)
ORDER BY p.period""",
    # The throughput chart: work item finishes per period.
    "work_items_done": f"""
WITH {PERIODS}, found AS (SELECT {_per_period("done_at")} AS period, count(*) AS n {FINISHES}
  GROUP BY 1)
SELECT p.period, COALESCE(f.n, 0) FROM periods p LEFT JOIN found f USING (period)
ORDER BY p.period""",
}
# The previous window's dashed lines: median cycle time (and how many) per period of merge.
PREVIOUS_SERIES = {
    "pull_request_cycle_time": f"""
WITH {PERIODS}, found AS (SELECT {_per_period("merged_at")} AS period,
  percentile_cont(0.5) WITHIN GROUP (ORDER BY cycle_time_minutes) AS median,
  count(cycle_time_minutes) AS n {HUMAN_MERGED} AND cycle_time_minutes IS NOT NULL GROUP BY 1)
SELECT p.period, f.median, COALESCE(f.n, 0) FROM periods p LEFT JOIN found f USING (period)
ORDER BY p.period""",
    "pull_requests_merged": SERIES["pull_requests_merged"],
    "work_items_done": SERIES["work_items_done"],
}


def parameters(scope: MetricScope, interval: str) -> dict:
    """The query parameters of one window: its instants, time zone and the days it counts."""
    return {
        "ids": list(scope.integration_ids),
        "tz": scope.time_zone,
        "start": scope.start,
        "end": scope.end,
        "counted_start": scope.counted_start,
        "moment": scope.moment,
        "now": scope.now,
        "since": scope.since,
        "until": scope.until,
        "elapsed_days": scope.elapsed_days,
        "interval": interval,
        "link_days": settings.AGILETRACK_INCIDENT_LINK_WINDOW_DAYS or None,
    }


def _fetch(cursor, queries: dict[str, str], params: dict) -> dict[str, list[tuple]]:
    found = {}
    for name, sql in queries.items():
        cursor.execute(sql, params)
        found[name] = cursor.fetchall()
    return found


def overview(
    cursor, team_id: int, since: date, until: date, now: datetime | None = None
) -> dict[str, dict]:
    """Every number of the team overview for [since, until], each query's rows as fetched:
    the DORA family of the window and of the one before it, the pull request and work item
    families, the window's three charts and the previous window's lines."""
    now = now or timezone.now()
    cursor.execute(SCOPE, {"team": team_id})
    time_zone, ids = cursor.fetchone()
    tz = ZoneInfo(time_zone or "UTC")
    cursor.execute(DATA_START, {"ids": ids, "tz": tz.key})
    (data_start,) = cursor.fetchone()
    scope = MetricScope(
        team_id=team_id,
        integration_ids=tuple(ids),
        since=since,
        until=until,
        time_zone=tz.key,
        now=now,
        data_start=data_start,
    )
    interval = interval_for(scope)
    params = parameters(scope, interval)
    before = scope.previous()
    previous = parameters(before, interval)
    out = {
        "dora": _fetch(cursor, DORA, params),
        "dora_previous": _fetch(cursor, DORA, previous),
        "pull_requests": _fetch(cursor, PULL_REQUESTS, params),
        "work_items": _fetch(cursor, WORK_ITEMS, params),
        "series": _fetch(cursor, SERIES, params),
    }
    # The previous window's lines are drawn only when it has data (metrics.comparison).
    out["series_previous"] = (
        _fetch(cursor, PREVIOUS_SERIES, previous) if before.elapsed_days else {}
    )
    return out


def measure(team_id: int, windows: list[tuple[date, date]]) -> list[float]:
    """Milliseconds of `overview` for each window, one after another on a connection of its
    own (opened before the first is timed)."""
    raw = connection.get_new_connection(connection.get_connection_params())
    raw.autocommit = True
    timings = []
    try:
        with raw.cursor() as cursor:
            for since, until in windows:
                started = time.perf_counter()
                overview(cursor, team_id, since, until)
                timings.append((time.perf_counter() - started) * 1000)
    finally:
        raw.close()
    return timings


def available() -> bool:
    """Whether the floor can run here: its percentiles are PostgreSQL's."""
    return connection.vendor == "postgresql"
