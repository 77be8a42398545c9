"""Recorded mode (`--data DIR`): serve the raw GitHub rows of Apache DevLake's e2e fixtures (a
folder of `_raw_github_api_*.csv` files named on the command line, which the tests supply) for
panjf2000/ants through the same REST endpoints.

Each `_raw_github_api_*.csv` row holds one API object (`data`) with its scope (`params`); rows of
any other scope are decoys and are ignored. Objects are served verbatim.

GraphQL's pull request subset is answered from the same rows (see graphql_api.py): list-endpoint
rows carry no additions/deletions/changed_files, so those non-null fields are 0, as DevLake stores
them; mergeCommit is set only for merged pull requests, as GitHub's GraphQL API does.
"""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass, field
from pathlib import Path

from .github_rest import error, invalid, paginate
from .routing import Reply

SCOPE = {"ConnectionId": 1, "Name": "panjf2000/ants"}


def _rows(path: Path) -> list[tuple[dict, dict | None]]:
    if not path.exists():
        return []
    out = []
    with path.open(newline="", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            if json.loads(row["params"]) != SCOPE:
                continue
            parent = json.loads(row["input"]) if row["input"] not in ("", "null") else None
            out.append((json.loads(row["data"]), parent))
    return out


@dataclass
class RecordedData:
    full_name: str
    pull_rows: list = field(default_factory=list)
    review_rows: dict = field(default_factory=dict)
    commit_rows: dict = field(default_factory=dict)
    issue_rows: list = field(default_factory=list)
    run_rows: list = field(default_factory=list)

    @classmethod
    def load(cls, directory: str) -> RecordedData:
        raw = Path(directory)
        raw = raw / "raw_tables" if (raw / "raw_tables").is_dir() else raw
        if not (raw / "_raw_github_api_pull_requests.csv").exists():
            raise ValueError(f"{directory} has no _raw_github_api_pull_requests.csv")
        data = cls(SCOPE["Name"])
        data.pull_rows = [d for d, _ in _rows(raw / "_raw_github_api_pull_requests.csv")]
        for name, target in (("reviews", data.review_rows), ("commits", data.commit_rows)):
            csv_name = f"_raw_github_api_pull_request_{name}.csv"
            for obj, parent in _rows(raw / csv_name):
                target.setdefault(parent["Number"], []).append(obj)
        data.issue_rows = [d for d, _ in _rows(raw / "_raw_github_api_issues.csv")]
        data.run_rows = [d for d, _ in _rows(raw / "_raw_github_api_runs.csv")]
        return data

    # Each method answers one REST endpoint; `ctx` is the request context (routing.Ctx).

    def _check(self, owner, repo):
        if f"{owner}/{repo}" != self.full_name:
            raise error(404, "Not Found")

    def _page(self, ctx, items, path):
        page, headers = paginate(ctx, items, path)
        return Reply(page, 200, headers)

    def pulls(self, ctx, owner, repo, repo_id=None):
        self._check(owner, repo)
        state = ctx.args.get("state", "open")
        if state not in ("open", "closed", "all"):
            raise invalid("state")
        items = [p for p in self.pull_rows if state == "all" or p["state"] == state]
        sort = ctx.args.get("sort", "created")
        key = "updated_at" if sort == "updated" else "created_at"
        direction = ctx.args.get("direction", "desc" if sort == "created" else "asc")
        items = sorted(items, key=lambda p: (p[key], p["number"]), reverse=direction == "desc")
        return self._page(ctx, items, f"/repos/{self.full_name}/pulls")

    def pull(self, ctx, owner, repo, number):
        self._check(owner, repo)
        for p in self.pull_rows:
            if p["number"] == number:
                return Reply(p)
        raise error(404, "Not Found")

    def reviews(self, ctx, owner, repo, number):
        self._check(owner, repo)
        return self._page(
            ctx, self.review_rows.get(number, []), f"/repos/{self.full_name}/pulls/{number}/reviews"
        )

    def pull_commits(self, ctx, owner, repo, number):
        self._check(owner, repo)
        return self._page(
            ctx, self.commit_rows.get(number, []), f"/repos/{self.full_name}/pulls/{number}/commits"
        )

    def issues(self, ctx, owner, repo):
        self._check(owner, repo)
        state = ctx.args.get("state", "open")
        items = [i for i in self.issue_rows if state == "all" or i["state"] == state]
        items.sort(
            key=lambda i: (i["created_at"], i["number"]),
            reverse=ctx.args.get("direction", "desc") == "desc",
        )
        return self._page(ctx, items, f"/repos/{self.full_name}/issues")

    def runs(self, ctx, owner, repo):
        self._check(owner, repo)
        runs = sorted(self.run_rows, key=lambda r: (r["created_at"], r["id"]), reverse=True)
        page, headers = paginate(ctx, runs, f"/repos/{self.full_name}/actions/runs")
        return Reply({"total_count": len(runs), "workflow_runs": page}, 200, headers)

    # GraphQL (graphql_api.py): nodes shaped like GitHub's, built from the recorded REST rows.

    def graphql_repository(self) -> dict:
        return {
            "_recorded": self,
            "id": "R_recorded",
            "name": self.full_name.split("/")[1],
            "nameWithOwner": self.full_name,
            "url": f"https://github.com/{self.full_name}",
            "isPrivate": False,
        }

    def graphql_pull_requests(self, connection, first, after, last, before, order_by, states):
        pulls = [(p, _pr_state(p)) for p in self.pull_rows]
        if states:
            pulls = [(p, state) for p, state in pulls if state in states]
        field = (order_by or {}).get("field", "CREATED_AT")
        key = "updated_at" if field == "UPDATED_AT" else "created_at"
        pulls.sort(
            key=lambda ps: (ps[0][key], ps[0]["number"]),
            reverse=(order_by or {}).get("direction", "ASC") == "DESC",
        )
        return connection(pulls, lambda ps: self._pull_node(*ps), first, after, last, before)

    def graphql_pull_request(self, number: int) -> dict | None:
        for p in self.pull_rows:
            if p["number"] == number:
                return self._pull_node(p, _pr_state(p))
        return None

    def _pull_node(self, p: dict, state: str) -> dict:
        merged = p.get("merged_at") is not None
        return {
            "_recorded_reviews": [_review_node(r) for r in self.review_rows.get(p["number"], [])],
            # The recorded REST rows hold reviews only: no conversation comments or events.
            "_recorded_timeline": [
                {"__typename": "PullRequestReview", **_review_node(r)}
                for r in self.review_rows.get(p["number"], [])
                if r.get("submitted_at")
            ],
            "_recorded_commits": [_commit_node(c) for c in self.commit_rows.get(p["number"], [])],
            "id": p["node_id"],
            "databaseId": p["id"],
            "number": p["number"],
            "state": state,
            "title": p["title"],
            "body": p.get("body") or "",
            "url": p["html_url"],
            "createdAt": p["created_at"],
            "updatedAt": p["updated_at"],
            "mergedAt": p.get("merged_at"),
            "closedAt": p.get("closed_at"),
            "isDraft": bool(p.get("draft")),
            "merged": merged,
            "closed": p["state"] == "closed",
            "additions": p.get("additions") or 0,
            "deletions": p.get("deletions") or 0,
            "changedFiles": p.get("changed_files") or 0,
            "headRefName": p["head"]["ref"],
            "headRefOid": p["head"]["sha"],
            "baseRefName": p["base"]["ref"],
            "baseRefOid": p["base"]["sha"],
            "mergeCommit": {"oid": p["merge_commit_sha"]} if merged else None,
            "author": _actor(p.get("user")),
        }


def _pr_state(p: dict) -> str:
    if p.get("merged_at"):
        return "MERGED"
    return "CLOSED" if p["state"] == "closed" else "OPEN"


def _actor(u: dict | None) -> dict | None:
    if not u:
        return None
    return {
        "__typename": "Bot" if u.get("type") == "Bot" else "User",
        "login": u["login"],
        "id": u.get("node_id", ""),
        "databaseId": u.get("id"),
        "url": u.get("html_url", ""),
        "resourcePath": "/" + u["login"],
        "avatarUrl": u.get("avatar_url", ""),
    }


def _review_node(r: dict) -> dict:
    return {
        "id": r["node_id"],
        "databaseId": r["id"],
        "state": r["state"],
        "body": r.get("body") or "",
        "submittedAt": r.get("submitted_at"),
        "createdAt": r.get("submitted_at"),
        "author": _actor(r.get("user")),
        "commit": {"oid": r["commit_id"], "abbreviatedOid": r["commit_id"][:7]},
    }


def _commit_node(c: dict) -> dict:
    inner = c["commit"]

    def person(key: str) -> dict:
        who = inner[key]
        return {**who, "user": _actor(c.get(key))}

    return {
        "id": c["node_id"],
        "url": c.get("html_url", ""),
        "commit": {
            "oid": c["sha"],
            "abbreviatedOid": c["sha"][:7],
            "message": inner["message"],
            "messageHeadline": inner["message"].split("\n", 1)[0],
            "authoredDate": inner["author"]["date"],
            "committedDate": inner["committer"]["date"],
            "author": person("author"),
            "committer": person("committer"),
            "url": c.get("html_url", ""),
        },
    }
