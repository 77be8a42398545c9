"""How the GitHub client reads deployments (the deployments API, releases or workflow runs) and
incidents (issues with an incident label)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from typing import Any

from integrations.providers.errors import MalformedResponseError, NotFoundError
from integrations.providers.github.api import STATUS_LOOKBACK, GitHubApi
from integrations.providers.github.parse import (
    parse_deployment,
    parse_incident,
    parse_release,
    parse_time,
    parse_workflow_run,
)
from integrations.providers.github.queries import (
    DEPLOYMENTS_QUERY,
)
from integrations.providers.github.watermark import Watermark, batches, updated_at_of
from integrations.providers.records import (
    Batch,
    CommitRange,
    Cursor,
    DefaultBranch,
    Deployment,
    Incident,
)


class DeploymentStreams(GitHubApi):
    """Deployment and incident streams of the configured repositories."""

    def _read_deployments(self, repo: str, cursor: Cursor) -> Iterator[Batch]:
        default = self._default_branch(repo, cursor)
        if self.deployment_source == "releases":
            reader = self._read_releases(repo, cursor)
        elif self.deployment_source == "workflow_runs":
            reader = self._read_workflow_runs(repo, cursor, default)
        else:
            reader = self._read_deployment_objects(repo, cursor)
        for batch in reader:
            if batch.cursor is None:
                yield batch
                continue
            # The last page also stores the default branch, and keeps it in the cursor.
            state = {**batch.cursor.state, "default_branch": default}
            yield Batch(
                (*batch.records, DefaultBranch(repo, default)),
                cursor=replace(batch.cursor, state=state),
            )

    def _default_branch(self, repo: str, cursor: Cursor) -> str:
        """The repository's default branch: read once and kept in the deployments stream's
        cursor (a full reconcile, which starts from an empty cursor, reads it again)."""
        known = cursor.state.get("default_branch")
        if known:
            return str(known)
        # API: https://docs.github.com/en/rest/repos/repos#get-a-repository
        return str(self.http.get(f"repos/{repo}", endpoint="repository").data["default_branch"])

    def commits_between(self, repository: str, base_sha: str, head_sha: str) -> CommitRange:
        """The commits of `head_sha` that `base_sha` lacks, from GitHub's compare: one request
        for up to 250 commits, pages of 100 when there are more."""
        path = f"repos/{repository}/compare/{base_sha}...{head_sha}"
        try:
            # API: https://docs.github.com/en/rest/commits/commits#compare-two-commits
            first = self.http.get(path, endpoint="compare").data
            shas = [commit["sha"] for commit in first["commits"]]
            if int(first["total_commits"]) > len(shas):
                # Pagination (2021-03): per_page/page over the whole range, oldest first.
                shas = []
                params: dict[str, Any] = {"per_page": 100, "page": 1}
                for response in self._rest_pages(path, params, "", "compare"):
                    shas += [commit["sha"] for commit in response.data["commits"]]
        except NotFoundError:
            # A commit GitHub no longer has (force-pushed away): nothing to link through it.
            return CommitRange(repository, base_sha, head_sha, "unknown")
        except (KeyError, TypeError, ValueError) as exc:
            raise MalformedResponseError(
                f"GitHub sent the comparison {base_sha[:7]}...{head_sha[:7]} of {repository} "
                f"in an unexpected shape ({type(exc).__name__})."
            ) from None
        status = str(first.get("status") or "")
        # A rollback (head behind base) ships nothing new, whatever GitHub lists.
        shipped = tuple(dict.fromkeys(shas)) if status in ("ahead", "diverged") else ()
        return CommitRange(repository, base_sha, head_sha, status, shipped)

    def _read_deployment_objects(self, repo: str, cursor: Cursor) -> Iterator[Batch]:
        # The newest 100 deployments: a new one, or a new status of a recent one, changes it.
        # API: https://docs.github.com/en/rest/deployments/deployments#list-deployments
        probe = self._probe(
            f"repos/{repo}/deployments", {"per_page": 100}, cursor.etag, "deployments"
        )
        if probe.not_modified:
            yield Batch((), cursor=cursor)
            return
        owner, name = repo.split("/", 1)
        mark = Watermark(cursor)

        def pages() -> Iterator[list[Deployment]]:
            after = None
            while True:
                variables = {
                    "owner": owner,
                    "name": name,
                    "size": self.deployment_page_size,
                    "after": after,
                    "environments": self._fetched_environments(),
                }
                data = self._graphql(DEPLOYMENTS_QUERY, variables, repo)
                connection = data["repository"]["deployments"]
                records, reached = [], False
                for node in connection["nodes"]:
                    created = parse_time(node["createdAt"])
                    updated = parse_time(node["updatedAt"])
                    if mark.old and created < mark.old - STATUS_LOOKBACK:
                        reached = True
                        break
                    key = str(node["databaseId"])
                    if mark.before(updated) or mark.already_read(updated, key):
                        continue
                    records.append(parse_deployment(node, repo))
                    mark.add(updated, key)
                yield records
                if reached or not connection["pageInfo"]["hasNextPage"]:
                    return
                after = connection["pageInfo"]["endCursor"]

        yield from batches(pages(), lambda: mark.cursor(probe.etag))

    def _fetched_environments(self) -> list[str] | None:
        # GitHub cannot filter on "no environment": when "" counts, read every environment and
        # let the production rule (metrics.production) choose among the stored rows.
        names = self.deployment_environments
        return None if not names or "" in names else names

    def _read_releases(self, repo: str, cursor: Cursor) -> Iterator[Batch]:
        mark = Watermark(cursor)
        first_etag = [cursor.etag]

        def pages() -> Iterator[list[Deployment]]:
            # API: https://docs.github.com/en/rest/releases/releases#list-releases
            responses = self._rest_pages(
                f"repos/{repo}/releases",
                {"per_page": self.rest_page_size},
                cursor.etag,
                "releases",
            )
            for index, response in enumerate(responses):
                if response.not_modified:
                    return
                if index == 0:
                    first_etag[0] = response.etag
                records, reached = [], False
                for item in response.data:
                    release = parse_release(item, repo)
                    if release is None:
                        continue
                    if mark.before(release.created_at):
                        reached = True
                        break
                    if mark.already_read(release.created_at, release.external_id):
                        continue
                    records.append(release)
                    mark.add(release.created_at, release.external_id)
                yield records
                if reached:
                    return

        yield from batches(
            pages(),
            lambda: mark.cursor(first_etag[0]),
        )

    def _read_workflow_runs(self, repo: str, cursor: Cursor, default: str) -> Iterator[Batch]:
        # Runs of the configured branch deploy, else those of the default branch.
        branch = self.deployment_branch or default
        if cursor.state.get("branch", branch) != branch:
            cursor = Cursor()  # another branch: its runs are read from the start
        mark = Watermark(cursor)
        first_etag = [cursor.etag]

        def pages() -> Iterator[list[Deployment]]:
            # API: https://docs.github.com/en/rest/actions/workflow-runs#list-workflow-runs-for-a-repository
            responses = self._rest_pages(
                f"repos/{repo}/actions/runs",
                {"status": "completed", "branch": branch, "per_page": self.rest_page_size},
                cursor.etag,
                "runs",
            )
            for index, response in enumerate(responses):
                if response.not_modified:
                    return
                if index == 0:
                    first_etag[0] = response.etag
                records, reached = [], False
                for item in response.data["workflow_runs"]:
                    created, updated = parse_time(item["created_at"]), updated_at_of(item)
                    if mark.old and created < mark.old - STATUS_LOOKBACK:
                        reached = True
                        break
                    run = parse_workflow_run(item, repo, self.workflow_pattern)
                    # `branch` is a filter GitHub applies, not a promise: checked here too.
                    if item.get("head_branch") != branch:
                        run = None
                    if run is None or mark.before(updated):
                        continue
                    if mark.already_read(updated, run.external_id):
                        continue
                    records.append(run)
                    mark.add(updated, run.external_id)
                yield records
                if reached:
                    return

        yield from batches(
            pages(),
            lambda: mark.cursor(first_etag[0], {"branch": branch}),
        )

    def _read_incidents(self, repo: str, cursor: Cursor) -> Iterator[Batch]:
        etags: dict[str, str] = dict(cursor.state.get("etags") or {})
        changed = self._changed_labels(repo, etags)
        if not changed:
            yield Batch((), cursor=cursor)
            return
        mark = Watermark(cursor)
        seen: set[int] = set()

        def pages() -> Iterator[list[Incident]]:
            for label in changed:
                params: dict[str, Any] = {
                    "state": "all",
                    "labels": label,
                    "sort": "updated",
                    "direction": "desc",
                    "per_page": self.rest_page_size,
                }
                if mark.old:
                    params["since"] = mark.old.strftime("%Y-%m-%dT%H:%M:%SZ")
                # API: https://docs.github.com/en/rest/issues/issues#list-repository-issues
                for response in self._rest_pages(f"repos/{repo}/issues", params, "", "issues"):
                    records = []
                    for item in response.data:
                        incident = parse_incident(item, repo)
                        # Checked here too: `labels` is a filter GitHub applies, not a promise.
                        if incident is None or label.lower() not in {
                            name.lower() for name in incident.labels
                        }:
                            continue
                        updated = updated_at_of(item)
                        if incident.number in seen or mark.before(updated):
                            continue
                        if mark.already_read(updated, incident.external_id):
                            continue
                        seen.add(incident.number)
                        records.append(incident)
                        mark.add(updated, incident.external_id)
                    yield records

        yield from batches(
            pages(),
            lambda: mark.cursor(etags.get(self.incident_labels[0], ""), {"etags": etags}),
        )

    def _changed_labels(self, repo: str, etags: dict[str, str]) -> list[str]:
        """The incident labels whose newest issue changed (a free 304 each when none did);
        their new ETags go into `etags`."""
        changed: list[str] = []
        for label in self.incident_labels:
            # The most recently updated issue with the label: changes with any of them.
            # API: https://docs.github.com/en/rest/issues/issues#list-repository-issues
            probe = self._probe(
                f"repos/{repo}/issues",
                {
                    "state": "all",
                    "labels": label,
                    "sort": "updated",
                    "direction": "desc",
                    "per_page": 1,
                },
                etags.get(label, ""),
                "issues",
            )
            if not probe.not_modified:
                etags[label] = probe.etag
                changed.append(label)
        return changed
