"""GitHub delivery: deployments and their statuses, releases and Actions workflow runs."""

from __future__ import annotations

import base64

from .github_repos import minimal_repository, user
from .github_rest import error, find_repo, paginate, reply, repo_route
from .model import Repository
from .timefmt import github_time, parse_iso


def deployment_obj(d, repo: Repository, base: str) -> dict:
    api = f"{base}/repos/{repo.full_name}"
    return {
        "url": f"{api}/deployments/{d.id}",
        "id": d.id,
        "node_id": base64.b64encode(f"010:Deployment{d.id}".encode()).decode(),
        "sha": d.sha,
        "ref": "main",
        "task": "deploy",
        "payload": {},
        "original_environment": "production",
        "environment": "production",
        "description": f"Deploy {d.sha[:7]} to production",
        "creator": user(d.creator, base),
        "created_at": github_time(d.created_at),
        "updated_at": github_time(d.updated_at),
        "statuses_url": f"{api}/deployments/{d.id}/statuses",
        "repository_url": api,
        "transient_environment": False,
        "production_environment": True,
        "performed_via_github_app": None,
    }


def status_obj(s, d, repo: Repository, base: str) -> dict:
    api = f"{base}/repos/{repo.full_name}"
    text = {
        "success": "Deployment finished successfully.",
        "failure": "Deployment failed.",
        "in_progress": "Deployment started.",
    }
    log = f"https://github.com/{repo.full_name}/actions/runs/{d.id}"
    return {
        "url": f"{api}/deployments/{d.id}/statuses/{s.id}",
        "id": s.id,
        "node_id": base64.b64encode(f"016:DeploymentStatus{s.id}".encode()).decode(),
        "state": s.state,
        "creator": user(d.creator, base),
        "description": text.get(s.state, ""),
        "environment": "production",
        "target_url": log,
        "created_at": github_time(s.created_at),
        "updated_at": github_time(s.created_at),
        "deployment_url": f"{api}/deployments/{d.id}",
        "repository_url": api,
        "environment_url": f"https://{repo.name}.acme-eng.example",
        "log_url": log,
        "performed_via_github_app": None,
    }


def release_obj(r, repo: Repository, base: str) -> dict:
    api = f"{base}/repos/{repo.full_name}"
    html = f"https://github.com/{repo.full_name}/releases/tag/{r.tag}"
    asset_id = r.id * 10
    return {
        "url": f"{api}/releases/{r.id}",
        "html_url": html,
        "assets_url": f"{api}/releases/{r.id}/assets",
        "upload_url": f"https://uploads.github.com/repos/{repo.full_name}/releases/{r.id}/assets{{?name,label}}",
        "tarball_url": f"{api}/tarball/{r.tag}",
        "zipball_url": f"{api}/zipball/{r.tag}",
        "id": r.id,
        "node_id": base64.b64encode(f"07:Release{r.id}".encode()).decode(),
        "tag_name": r.tag,
        "target_commitish": "main",
        "name": r.tag,
        "body": f"Release {r.tag}",
        "draft": False,
        "prerelease": False,
        "immutable": False,
        "created_at": github_time(r.created_at),
        "published_at": github_time(r.created_at),
        "updated_at": github_time(r.created_at),
        "author": user(r.author, base),
        "assets": [
            {
                "url": f"{api}/releases/assets/{asset_id}",
                "browser_download_url": f"https://github.com/{repo.full_name}/releases/download/{r.tag}/{repo.name}.tar.gz",
                "id": asset_id,
                "node_id": base64.b64encode(f"012:ReleaseAsset{asset_id}".encode()).decode(),
                "name": f"{repo.name}.tar.gz",
                "label": "Build output",
                "state": "uploaded",
                "content_type": "application/gzip",
                "size": 1048576,
                "digest": "sha256:" + (r.sha + r.sha)[:64],
                "download_count": 3,
                "created_at": github_time(r.created_at),
                "updated_at": github_time(r.created_at),
                "uploader": user(r.author, base),
            }
        ],
    }


def _run_pulls(run, repo: Repository, api: str) -> list[dict]:
    """The pull request a run was triggered by, in the short form runs embed."""
    if run.pr_number is None:
        return []
    pr = repo.pulls[run.pr_number]
    return [
        {
            "id": pr.id,
            "number": pr.number,
            "url": f"{api}/pulls/{pr.number}",
            "head": {
                "ref": pr.branch,
                "sha": pr.head_sha,
                "repo": {"id": repo.id, "url": api, "name": repo.name},
            },
            "base": {
                "ref": "main",
                "sha": pr.base_sha,
                "repo": {"id": repo.id, "url": api, "name": repo.name},
            },
        }
    ]


def run_obj(run, repo: Repository, org, base: str) -> dict:
    api = f"{base}/repos/{repo.full_name}"
    status = "completed" if run.conclusion else "in_progress"
    repo_min = minimal_repository(repo, base, org.now)
    return {
        "id": run.id,
        "name": run.name,
        "node_id": base64.b64encode(f"011:WorkflowRun{run.id}".encode()).decode(),
        "check_suite_id": run.id + 7,
        "check_suite_node_id": base64.b64encode(f"010:CheckSuite{run.id + 7}".encode()).decode(),
        "head_branch": run.branch,
        "head_sha": run.head_sha,
        "path": run.path,
        "display_title": run.message,
        "run_number": run.run_number,
        "event": run.event,
        "status": status,
        "conclusion": run.conclusion,
        "workflow_id": run.workflow_id,
        "url": f"{api}/actions/runs/{run.id}",
        "html_url": f"https://github.com/{repo.full_name}/actions/runs/{run.id}",
        "pull_requests": _run_pulls(run, repo, api),
        "created_at": github_time(run.created_at),
        "updated_at": github_time(run.updated_at),
        "actor": user(run.actor, base),
        "run_attempt": 1,
        "referenced_workflows": [],
        "run_started_at": github_time(run.created_at),
        "triggering_actor": user(run.actor, base),
        "jobs_url": f"{api}/actions/runs/{run.id}/jobs",
        "logs_url": f"{api}/actions/runs/{run.id}/logs",
        "check_suite_url": f"{api}/check-suites/{run.id + 7}",
        "artifacts_url": f"{api}/actions/runs/{run.id}/artifacts",
        "cancel_url": f"{api}/actions/runs/{run.id}/cancel",
        "rerun_url": f"{api}/actions/runs/{run.id}/rerun",
        "previous_attempt_url": None,
        "workflow_url": f"{api}/actions/workflows/{run.workflow_id}",
        "head_commit": {
            "id": run.head_sha,
            "tree_id": run.head_sha[::-1],
            "message": run.message,
            "timestamp": github_time(run.created_at - 60),
            "author": {"name": run.actor.name, "email": run.actor.email},
            "committer": {"name": "GitHub", "email": "noreply@github.com"},
        },
        "repository": repo_min,
        "head_repository": repo_min,
        "head_repository_id": repo.id,
    }


@repo_route("/repos/<owner>/<repo>/deployments", "deployments")
def list_deployments(ctx, owner=None, repo=None, repo_id=None):
    r = find_repo(ctx, owner, repo, repo_id)
    deployments = list(reversed(r.deployments))
    for key, attr in (("sha", "sha"),):
        if ctx.args.get(key):
            deployments = [d for d in deployments if getattr(d, attr) == ctx.args[key]]
    if ctx.args.get("environment") not in (None, "production"):
        deployments = []
    if ctx.args.get("task") not in (None, "deploy") or ctx.args.get("ref") not in (None, "main"):
        deployments = []
    page, headers = paginate(ctx, deployments, f"/repositories/{r.id}/deployments")
    return reply([deployment_obj(d, r, ctx.base) for d in page], headers)


@repo_route("/repos/<owner>/<repo>/deployments/<int:deployment_id>/statuses", "deployment_statuses")
def list_deployment_statuses(ctx, deployment_id, owner=None, repo=None, repo_id=None):
    r = find_repo(ctx, owner, repo, repo_id)
    for d in r.deployments:
        if d.id == deployment_id:
            statuses = list(reversed(d.statuses))
            path = f"/repositories/{r.id}/deployments/{deployment_id}/statuses"
            page, headers = paginate(ctx, statuses, path)
            return reply([status_obj(s, d, r, ctx.base) for s in page], headers)
    raise error(404, "Not Found")


@repo_route("/repos/<owner>/<repo>/releases", "releases")
def list_releases(ctx, owner=None, repo=None, repo_id=None):
    r = find_repo(ctx, owner, repo, repo_id)
    page, headers = paginate(ctx, list(reversed(r.releases)), f"/repositories/{r.id}/releases")
    return reply([release_obj(x, r, ctx.base) for x in page], headers)


@repo_route("/repos/<owner>/<repo>/actions/runs", "runs")
def list_runs(ctx, owner=None, repo=None, repo_id=None):
    if ctx.app.recorded is not None:
        return ctx.app.recorded.runs(ctx, owner, repo)
    r = find_repo(ctx, owner, repo, repo_id)
    runs = list(reversed(r.runs))
    args = ctx.args
    if args.get("event"):
        runs = [x for x in runs if x.event == args["event"]]
    if args.get("branch"):
        runs = [x for x in runs if x.branch == args["branch"]]
    if args.get("head_sha"):
        runs = [x for x in runs if x.head_sha == args["head_sha"]]
    if args.get("status"):
        want = args["status"]
        runs = [
            x
            for x in runs
            if want in (x.conclusion, "completed" if x.conclusion else "in_progress")
        ]
    created = args.get("created", "")
    if created.startswith(">="):
        floor = parse_iso(created[2:])
        runs = [x for x in runs if x.created_at >= floor]
    page, headers = paginate(ctx, runs, f"/repositories/{r.id}/actions/runs")
    body = {
        "total_count": len(runs),
        "workflow_runs": [run_obj(x, r, ctx.org, ctx.base) for x in page],
    }
    return reply(body, headers)
