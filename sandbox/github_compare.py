"""GitHub's compare of two commits on a repository's default branch (the sandbox's history is
one line of merge commits), as https://docs.github.com/en/rest/commits/commits#compare-two-commits
describes it: commits oldest first, at most 250 without `per_page`/`page`, paged with a Link
header when either is given; a head behind its base (a rollback) lists none."""

from __future__ import annotations

from .github_pulls import commit_obj
from .github_rest import error, find_repo, paginate, reply, repo_route
from .model import Repository
from .timefmt import sha

UNPAGED_LIMIT = 250


def _history(repo: Repository) -> list[str]:
    """The default branch's commits, oldest first, starting at its root."""
    return [sha(repo.name, "root"), *(c.sha for c in repo.commits)]


def _position(history: list[str], ref: str) -> int:
    if ref == "main":
        return len(history) - 1
    matches = [i for i, value in enumerate(history) if value.startswith(ref) and len(ref) >= 7]
    if not matches:
        raise error(404, "Not Found")
    return matches[0]


@repo_route("/repos/<owner>/<repo>/compare/<basehead>", "compare")
def compare(ctx, basehead, owner=None, repo=None, repo_id=None):
    r = find_repo(ctx, owner, repo, repo_id)
    base_ref, dots, head_ref = basehead.partition("...")
    if not dots or not base_ref or not head_ref:
        raise error(404, "Not Found")
    history = _history(r)
    base_at, head_at = _position(history, base_ref), _position(history, head_ref)
    ahead, behind = max(0, head_at - base_at), max(0, base_at - head_at)
    status = "ahead" if ahead else "behind" if behind else "identical"
    by_sha = {c.sha: c for c in r.commits}
    listed = [by_sha[s] for s in history[base_at + 1 : head_at + 1]]
    headers: dict = {}
    if "per_page" in ctx.args or "page" in ctx.args:
        listed, headers = paginate(ctx, listed, f"/repos/{r.full_name}/compare/{basehead}")
    else:
        listed = listed[:UNPAGED_LIMIT]
    api = f"{ctx.base}/repos/{r.full_name}"
    html = f"https://github.com/{r.full_name}/compare/{basehead}"

    def commit_at(index: int) -> dict:
        if index == 0:  # the root has no stored commit: the first merge's parent stands in
            return {"sha": history[0], "url": f"{api}/commits/{history[0]}", "parents": []}
        return commit_obj(by_sha[history[index]], r, ctx.base)

    body = {
        "url": f"{api}/compare/{basehead}",
        "html_url": html,
        "permalink_url": f"https://github.com/{r.full_name}/compare/{history[base_at]}...{history[head_at]}",
        "diff_url": f"{html}.diff",
        "patch_url": f"{html}.patch",
        "base_commit": commit_at(base_at),
        "merge_base_commit": commit_at(min(base_at, head_at)),
        "status": status,
        "ahead_by": ahead,
        "behind_by": behind,
        "total_commits": ahead,
        "commits": [commit_obj(c, r, ctx.base) for c in listed],
        "files": [],
    }
    return reply(body, headers)
