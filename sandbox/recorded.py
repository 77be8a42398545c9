"""Recorded mode (`--data DIR`): serve the raw GitHub rows of Apache DevLake's e2e fixtures
(../shared/devlake-fixtures/github) for panjf2000/ants through the same REST endpoints.

Each `_raw_github_api_*.csv` row holds one API object (`data`) with its scope (`params`); rows of
any other scope are decoys and are ignored. Objects are served verbatim.
"""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass, field
from pathlib import Path

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

    # Each method answers one REST endpoint; `ctx` is the request context from app.py.

    def _check(self, owner, repo):
        from .github import _error

        if f"{owner}/{repo}" != self.full_name:
            raise _error(404, "Not Found")

    def _page(self, ctx, items, path):
        from .app import Reply
        from .github import paginate

        page, headers = paginate(ctx, items, path)
        return Reply(page, 200, headers)

    def pulls(self, ctx, owner, repo, repo_id=None):
        from .github import _invalid

        self._check(owner, repo)
        state = ctx.args.get("state", "open")
        if state not in ("open", "closed", "all"):
            raise _invalid("state")
        items = [p for p in self.pull_rows if state == "all" or p["state"] == state]
        sort = ctx.args.get("sort", "created")
        key = "updated_at" if sort == "updated" else "created_at"
        direction = ctx.args.get("direction", "desc" if sort == "created" else "asc")
        items = sorted(items, key=lambda p: (p[key], p["number"]), reverse=direction == "desc")
        return self._page(ctx, items, f"/repos/{self.full_name}/pulls")

    def pull(self, ctx, owner, repo, number):
        from .app import Reply
        from .github import _error

        self._check(owner, repo)
        for p in self.pull_rows:
            if p["number"] == number:
                return Reply(p)
        raise _error(404, "Not Found")

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
        from .app import Reply
        from .github import paginate

        self._check(owner, repo)
        runs = sorted(self.run_rows, key=lambda r: (r["created_at"], r["id"]), reverse=True)
        page, headers = paginate(ctx, runs, f"/repos/{self.full_name}/actions/runs")
        return Reply({"total_count": len(runs), "workflow_runs": page}, 200, headers)
