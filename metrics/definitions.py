"""What each metric on the pages means, in one place: its name, a short definition, what counts,
the docs section that defines it fully (docs/metrics.md), and the DORA band table in use."""

from __future__ import annotations

from dataclasses import dataclass

from metrics.calculations.dora_bands import (
    DAYS_PER_MONTH,
    DAYS_PER_WEEK,
    PER_HALF_YEAR,
    BandTable,
    band_table,
)

DAY = 24 * 60


@dataclass(frozen=True)
class Definition:
    """One metric as the pages explain it."""

    key: str
    name: str
    definition: str
    counts: str  # what is counted, and what is left out
    anchor: str  # the section of docs/metrics.md (its heading's id on /docs/metrics/)
    banded: str = ""  # the band table's metric (BandTable field) for a DORA metric


DEFINITIONS: dict[str, Definition] = {
    d.key: d
    for d in (
        Definition(
            "frequency",
            "Deployment frequency",
            "How often the team ships to production: successful production deployments per "
            "week of the window elapsed so far.",
            "Successful deployments to the production environments (by default named production "
            "or prod; releases or workflow runs when the integration reads those). The band uses "
            "the median number of days with a deployment per week and per month.",
            "deployment-frequency--deployment_frequencydeployments-start-end-tz",
            "frequency",
        ),
        Definition(
            "lead_time",
            "Lead time for changes",
            "How long a change takes from its first commit to running in production: the median "
            "cycle time of the pull requests deployed in the window.",
            "Merged pull requests whose first successful production deployment finished in the "
            "window; pull requests by bots are left out.",
            "lead-time-for-changes--lead_time_for_changestimings-start-end",
            "lead_time",
        ),
        Definition(
            "failure_rate",
            "Change failure rate",
            "The share of production deployments that caused a failure.",
            "Production deployments in the window; one fails when it failed itself or an incident "
            "(a GitHub issue labelled incident) opened after it, within the linking window, is "
            "attributed to it.",
            "change-failure-rate--change_failure_ratedeployments-incidents-start-end-incident_window",
            "change_failure",
        ),
        Definition(
            "restore",
            "Time to restore",
            "How long service stays impaired: the median time from an incident's opening to its "
            "resolution.",
            "Incidents (GitHub issues labelled incident) resolved in the window.",
            "time-to-restore--time_to_restoreincidents-deployments-start-end-incident_window",
            "recovery",
        ),
        Definition(
            "recovery",
            "Failed deployment recovery time",
            "How long a failed deployment takes to put right: the median time from the failure to "
            "the next successful deployment of the same repository, or its incident's resolution.",
            "Failed production deployments recovered in the window.",
            "failed-deployment-recovery-time--failed_deployment_recovery_time"
            "deployments-incidents-start-end-incident_window",
            "recovery",
        ),
        Definition(
            "cycle_time",
            "Pull request cycle time",
            "How long a pull request takes from its first commit to production, split into coding, "
            "pickup, review and deploy time; the median of each.",
            "Pull requests merged in the window, bots left out. Coding: first commit to opening; "
            "pickup: ready for review to the first response by someone else; review: that "
            "response to the merge; deploy: the merge to its first production deployment.",
            "per-pr-timings--pull_request_timings-merged_pull_request_timings",
        ),
        Definition(
            "throughput",
            "Throughput and work in progress",
            "How much is finished: pull requests merged and work items done in the window, and "
            "how many work items were in progress at its end.",
            "Pull requests by people (not bots) merged in the window; work items whose last move "
            "into a done status falls in the window and that are still done at its end; "
            "left-out kinds (epics by default) are in none of them.",
            "work-items-jira-issues-and-trello-cards",
        ),
        Definition(
            "pr_merged",
            "Pull requests merged",
            "How many pull requests were merged in the window, per week of the window elapsed so "
            "far, and the share merged without a review.",
            "Pull requests by people (not bots) merged in the window. Without review: no submitted "
            "review by another person before the merge (thread replies do not count).",
            "other-pr-metrics",
        ),
        Definition(
            "pr_open",
            "Open pull requests",
            "How many pull requests are open at the end of the window (or now), and how long they "
            "have been open.",
            "Pull requests by people, neither merged nor closed at that moment; age from creation.",
            "other-pr-metrics",
        ),
        Definition(
            "work_items_done",
            "Work items done",
            "How many work items were finished in the window, per week of the window elapsed so "
            "far.",
            "Jira issues and Trello cards whose last move into a done status falls in the window "
            "and that are still done at its end; left-out kinds (epics by default) do not count.",
            "work-items-jira-issues-and-trello-cards",
        ),
        Definition(
            "work_item_cycle_time",
            "Work item cycle time",
            "How long work takes once started: the median time from an item's first move into "
            "progress to its finish.",
            "Work items finished in the window that were in progress before they finished.",
            "work-items-jira-issues-and-trello-cards",
        ),
        Definition(
            "work_item_lead_time",
            "Work item lead time",
            "How long a request waits and is worked on: the median time from an item's creation "
            "to its finish.",
            "Work items finished in the window.",
            "work-items-jira-issues-and-trello-cards",
        ),
        Definition(
            "wip",
            "Work in progress",
            "How many work items are in progress: at the end of the window, and now with their "
            "age since they first moved into progress.",
            "Work items whose status is in the in-progress category at that moment.",
            "work-items-jira-issues-and-trello-cards",
        ),
    )
}


def _below(minutes: int) -> str:
    if minutes % DAY == 0:
        days = minutes // DAY
        return f"under {days} day{'s' if days != 1 else ''}"
    hours = minutes // 60
    return f"under {hours} hour{'s' if hours != 1 else ''}"


_MEASURES = {
    DAYS_PER_WEEK: "days with a deployment per week (median)",
    DAYS_PER_MONTH: "days with a deployment per month (median)",
    PER_HALF_YEAR: "deployments per six months",
}


def band_rows(metric: str, table: BandTable) -> list[tuple[str, str]]:
    """The table's limits for one metric as (band, limit) lines, elite first, low last."""
    if metric == "frequency":
        rows = [(b, f"at least {least:g} {_MEASURES[m]}") for b, m, least in table.frequency]
    elif metric == "change_failure":
        rows = [(b, f"at most {rate * 100:g}%") for b, rate in table.change_failure]
    else:
        limits = table.lead_time if metric == "lead_time" else table.recovery
        rows = [(b, _below(minutes)) for b, minutes in limits]
    lines = [(str(band.value).capitalize(), text) for band, text in rows]
    return [*lines, ("Low", "anything else")]


def explain(key: str, bands: str | None = None) -> dict:
    """A metric's explanation for the pages: its definition and, for a DORA metric, the rows of
    the band table in use (the team's, `Team.dora_bands`)."""
    found = DEFINITIONS[key]
    table = band_table(bands)
    return {
        "definition": found,
        "table_name": table.name,
        "table_source": table.source,
        "bands": band_rows(found.banded, table) if found.banded else [],
    }
