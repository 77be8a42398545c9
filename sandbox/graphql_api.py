"""GitHub GraphQL (POST /graphql) for the subset the GitHub provider uses, run by graphql-core
against the subset of GitHub's public schema that it serves (github_schema.graphql beside this
module, or SANDBOX_GITHUB_SCHEMA).

Supported: repository(owner, name) { pullRequests(first/last, after/before, orderBy, states) {
totalCount pageInfo nodes/edges { ... reviews(...) timelineItems(...) commits(...) } }
pullRequest(number) {...}
deployments(first/last, after/before, environments, orderBy) { nodes { ... latestStatus
statuses(...) } } }, viewer, rateLimit. In recorded mode (`--data`) the repository and its pull
requests, reviews and commits come from the recorded REST rows (see recorded.py). Cost is
GitHub's documented formula: every connection counts the requests needed to fill it (parents'
`first`/`last` multiplied), the sum is divided by 100 and rounded, minimum 1.
"""

from __future__ import annotations

import base64
import os
import threading
import time
from pathlib import Path

from graphql import (
    FieldNode,
    FragmentSpreadNode,
    GraphQLError,
    InlineFragmentNode,
    build_schema,
    execute,
    parse,
    validate,
    value_from_ast,
)
from graphql.type import get_named_type

from .github_rest import GITHUB, github_window
from .graphql_nodes import (
    actor,
    commit_node,
    deployment_node,
    pr_state,
    pull_node,
    review_node,
    status_node,
    timeline,
)
from .model import ORG
from .routing import Reply
from .timefmt import github_time

SCHEMA_PATH = Path(
    os.environ.get("SANDBOX_GITHUB_SCHEMA")
    or Path(__file__).resolve().parent / "github_schema.graphql"
)


class GraphQLEndpoint:
    """Builds the schema once, on first use, and wires the sandbox's resolvers into it."""

    def __init__(self) -> None:
        self._schema = None
        self._lock = threading.Lock()

    @property
    def schema(self):
        with self._lock:
            if self._schema is None:
                self._schema = build_schema(SCHEMA_PATH.read_text())
                _wire(self._schema)
            return self._schema


# ---------------------------------------------------------------------- cost


def _fields(selection_set, fragments):
    for selection in selection_set.selections if selection_set else []:
        if isinstance(selection, FieldNode):
            yield selection
        elif isinstance(selection, InlineFragmentNode):
            yield from _fields(selection.selection_set, fragments)
        elif isinstance(selection, FragmentSpreadNode):
            yield from _fields(fragments[selection.name.value].selection_set, fragments)


def query_cost(schema, document, variables) -> tuple[int, list[str]]:
    """(points, problems): GitHub's cost formula plus its pagination-argument checks."""
    fragments = {d.name.value: d for d in document.definitions if d.kind == "fragment_definition"}
    operations = [d for d in document.definitions if d.kind == "operation_definition"]
    problems: list[str] = []
    requests = 0

    def walk(selection_set, parent_type, multiplier):
        nonlocal requests
        for node in _fields(selection_set, fragments):
            fields = getattr(parent_type, "fields", None) or {}
            field = fields.get(node.name.value)
            if field is None:
                continue
            field_type = get_named_type(field.type)
            inner = multiplier
            if field_type.name.endswith("Connection"):
                args = {
                    a.name.value: value_from_ast(a.value, field.args[a.name.value].type, variables)
                    for a in node.arguments or []
                    if a.name.value in field.args
                }
                size = args.get("first") or args.get("last")
                if size is None:
                    problems.append(
                        f"You must provide a `first` or `last` value to properly paginate "
                        f"the `{node.name.value}` connection."
                    )
                    size = 100
                elif not 1 <= size <= 100:
                    problems.append(
                        f"Requesting {size} records on the `{node.name.value}` connection "
                        "exceeds the `first` limit of 100 records."
                    )
                requests += multiplier
                inner = multiplier * size
            if hasattr(field_type, "fields") or hasattr(field_type, "types"):
                walk(node.selection_set, field_type, inner)

    for op in operations:
        root = schema.mutation_type if op.operation.value == "mutation" else schema.query_type
        walk(op.selection_set, root, 1)
    return max(1, round(requests / 100)), problems


# ---------------------------------------------------------------------- resolvers


def _cursor(n: int) -> str:
    return base64.b64encode(f"cursor:v2:{n}".encode()).decode()


def _offset(cursor: str | None) -> int | None:
    if not cursor:
        return None
    try:
        return int(base64.b64decode(cursor).decode().rsplit(":", 1)[1])
    except (ValueError, IndexError) as exc:
        raise GraphQLError(f"`{cursor}` does not appear to be a valid cursor.") from exc


def connection(items: list, build, first=None, after=None, last=None, before=None) -> dict:
    start = (_offset(after) + 1) if after else 0
    end = _offset(before) if before else len(items)
    window = list(range(start, min(end, len(items))))
    if first is not None:
        window = window[:first]
    if last is not None:
        window = window[-last:] if last else []
    nodes = [build(items[i]) for i in window]
    return {
        "totalCount": len(items),
        "nodes": nodes,
        "edges": [{"cursor": _cursor(i), "node": n} for i, n in zip(window, nodes, strict=True)],
        "pageInfo": {
            "hasNextPage": bool(window) and window[-1] < min(end, len(items)) - 1,
            "hasPreviousPage": bool(window) and window[0] > 0,
            "startCursor": _cursor(window[0]) if window else None,
            "endCursor": _cursor(window[-1]) if window else None,
        },
    }


def _not_found(owner: str, name: str) -> GraphQLError:
    return GraphQLError(
        f"Could not resolve to a Repository with the name '{owner}/{name}'.",
        extensions={"type": "NOT_FOUND"},
    )


def _resolve_repository(root, info, owner, name, **_):
    recorded = info.context.get("recorded")
    if recorded is not None:
        if f"{owner}/{name}" != recorded.full_name:
            raise _not_found(owner, name)
        return recorded.graphql_repository()
    org = info.context["org"]
    repo = org.repos.get(name)
    if repo is None or owner != ORG:
        raise _not_found(owner, name)
    return {
        "_repo": repo,
        "id": f"R_{repo.id}",
        "databaseId": repo.id,
        "name": repo.name,
        "nameWithOwner": repo.full_name,
        "url": f"https://github.com/{repo.full_name}",
        "isPrivate": True,
        "createdAt": github_time(repo.created_at),
    }


def _resolve_pull_requests(
    source, info, first=None, after=None, last=None, before=None, orderBy=None, states=None, **_
):
    if "_recorded" in source:
        return source["_recorded"].graphql_pull_requests(
            connection, first, after, last, before, orderBy, states
        )
    repo = source["_repo"]
    pulls = list(repo.pulls.values())
    if states:
        pulls = [p for p in pulls if pr_state(p) in states]
    field = (orderBy or {}).get("field", "CREATED_AT")
    direction = (orderBy or {}).get("direction", "ASC")
    key = (
        (lambda p: (p.updated_at, p.number))
        if field == "UPDATED_AT"
        else (lambda p: (p.created_at, p.number))
    )
    pulls.sort(key=key, reverse=direction == "DESC")
    return connection(pulls, lambda p: pull_node(p, repo), first, after, last, before)


def _resolve_reviews(
    source, info, first=None, after=None, last=None, before=None, states=None, **_
):
    if "_recorded_reviews" in source:
        reviews = source["_recorded_reviews"]
        if states:
            reviews = [r for r in reviews if r["state"] in states]
        return connection(reviews, lambda r: r, first, after, last, before)
    reviews = source["_pr"].reviews
    if states:
        reviews = [r for r in reviews if r.state in states]
    return connection(reviews, review_node, first, after, last, before)


def _resolve_timeline(
    source, info, first=None, after=None, last=None, before=None, itemTypes=None, **more
):
    """Timeline items in time order; `itemTypes`, `since` and `skip` filter as GitHub's do."""
    if "_recorded_timeline" in source:
        nodes = source["_recorded_timeline"]
        items = [(n["submittedAt"] or "", "PULL_REQUEST_REVIEW", n) for n in nodes]
    else:
        items = [
            (github_time(t), kind, node)
            for t, kind, node in timeline(source["_pr"], source["_repo"])
        ]
    since = more.get("since")
    kept = [
        node
        for at, kind, node in items
        if (itemTypes is None or kind in itemTypes) and (since is None or at >= since)
    ][more.get("skip") or 0 :]
    result = connection(kept, lambda n: n, first, after, last, before)
    return {**result, "filteredCount": len(kept)}


def _resolve_commits(source, info, first=None, after=None, last=None, before=None, **_):
    if "_recorded_commits" in source:
        commits = source["_recorded_commits"][:250]
        return connection(commits, lambda c: c, first, after, last, before)
    repo = source["_repo"]
    return connection(
        source["_pr"].commits[:250], lambda c: commit_node(c, repo), first, after, last, before
    )


def _resolve_pull_request(source, info, number, **_):
    if "_recorded" in source:
        return source["_recorded"].graphql_pull_request(number)
    repo = source["_repo"]
    pr = repo.pulls.get(number)
    if pr is None:
        raise GraphQLError(
            f"Could not resolve to a PullRequest with the number of {number}.",
            extensions={"type": "NOT_FOUND"},
        )
    return pull_node(pr, repo)


def _resolve_deployments(
    source, info, first=None, after=None, last=None, before=None, environments=None, orderBy=None
):
    if "_recorded" in source:  # the recorded rows hold no deployments
        return connection([], lambda d: d, first, after, last, before)
    repo = source["_repo"]
    # Creation order, as the REST list (newest first) uses it.
    deployments = list(repo.deployments)
    if environments is not None and "production" not in environments:
        deployments = []  # every generated deployment targets production
    if (orderBy or {}).get("direction", "ASC") == "DESC":
        deployments.reverse()
    return connection(deployments, lambda d: deployment_node(d, repo), first, after, last, before)


def _resolve_deployment_statuses(source, info, first=None, after=None, last=None, before=None):
    d, repo = source["_deployment"], source["_repo"]
    # GitHub lists a deployment's statuses newest first.
    statuses = list(reversed(d.statuses))
    return connection(statuses, lambda s: status_node(s, d, repo), first, after, last, before)


def _resolve_rate_limit(root, info, dryRun=False, **_):
    return info.context["rate_limit"]


def _resolve_viewer(root, info):
    return actor(info.context["org"].viewer)


def _wire(schema) -> None:
    query = schema.query_type.fields
    query["repository"].resolve = _resolve_repository
    query["rateLimit"].resolve = _resolve_rate_limit
    query["viewer"].resolve = _resolve_viewer
    repo_fields = schema.type_map["Repository"].fields
    repo_fields["pullRequests"].resolve = _resolve_pull_requests
    repo_fields["pullRequest"].resolve = _resolve_pull_request
    repo_fields["deployments"].resolve = _resolve_deployments
    schema.type_map["Deployment"].fields["statuses"].resolve = _resolve_deployment_statuses
    pr_fields = schema.type_map["PullRequest"].fields
    pr_fields["reviews"].resolve = _resolve_reviews
    pr_fields["commits"].resolve = _resolve_commits
    pr_fields["timelineItems"].resolve = _resolve_timeline


# ---------------------------------------------------------------------- endpoint


@GITHUB.route("/graphql", "graphql", methods=("POST",))
def handle(ctx):
    app = ctx.app
    body = ctx.json()
    query = body.get("query")
    if not isinstance(query, str):
        return Reply(
            {"errors": [{"message": "A query attribute must be specified and must be a string."}]},
            400,
        )
    schema = app.state.setdefault("graphql", GraphQLEndpoint()).schema
    try:
        document = parse(query)
    except GraphQLError as exc:
        return Reply({"errors": [exc.formatted]}, 200)
    errors = validate(schema, document)
    if errors:
        return Reply({"errors": [e.formatted for e in errors]}, 200)
    variables = body.get("variables") or {}
    cost, problems = query_cost(schema, document, variables)
    headers = {"_resource": "graphql"}
    if problems:
        return Reply(
            {"errors": [{"message": p, "type": "MISSING_PAGINATION_BOUNDARIES"} for p in problems]},
            200,
            headers,
        )
    window = github_window(app, "graphql")
    now = time.time()
    if window.remaining(now) < cost:
        message = f"API rate limit exceeded for user ID {ctx.org.viewer.id}."
        return Reply({"errors": [{"type": "RATE_LIMITED", "message": message}]}, 200, headers)
    window.spend(now, cost)
    rate = {
        "cost": cost,
        "limit": window.limit,
        "remaining": window.remaining(now),
        "used": window.used,
        "resetAt": github_time(int(window.reset_at(now))),
        "nodeCount": 0,
    }
    result = execute(
        schema,
        document,
        variable_values=variables,
        operation_name=body.get("operationName"),
        context_value={"org": ctx.org, "rate_limit": rate, "recorded": app.recorded},
    )
    out = {}
    if result.errors:
        out["errors"] = [e.formatted for e in result.errors]
    out["data"] = result.data
    return Reply(out, 200, headers)
