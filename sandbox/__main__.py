"""Command line: `python -m sandbox --port 8765 [--seed N] [--scale small|medium|large] ...`."""

from __future__ import annotations

import argparse
import sys
import threading
import time
from pathlib import Path

from werkzeug.serving import make_server

from .app import SandboxApp, Settings
from .faults import Fault, FaultSet
from .generate import generate
from .model import Scale
from .timefmt import DEFAULT_NOW, now_from_file, parse_iso, resolve_now


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m sandbox", description=__doc__)
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8765, help="0 picks a free port (printed at start)")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--scale", choices=["small", "medium", "large"], default="small")
    p.add_argument("--repos", type=int, help="override the scale's repository count")
    p.add_argument("--prs-per-repo", type=int)
    p.add_argument("--projects", type=int)
    p.add_argument("--issues-per-project", type=int)
    p.add_argument("--boards", type=int)
    p.add_argument("--cards-per-board", type=int)
    p.add_argument("--days", type=int, help="history length in days")
    p.add_argument(
        "--now",
        default=DEFAULT_NOW,
        type=resolve_now,
        help="the fixed 'now' generated timelines end at (ISO 8601, or 'today': this UTC midnight)",
    )
    p.add_argument(
        "--now-file",
        metavar="PATH",
        help="read 'now' from this file; if it does not exist, write today's UTC midnight to it "
        "first (the demo's data stays recent and its ids stay the same across restarts)",
    )
    p.add_argument("--latency-ms", type=int, default=0, help="added to every API answer")
    p.add_argument(
        "--fault",
        action="append",
        default=[],
        metavar="SPEC",
        help="kind[,path=GLOB][,rate=R][,count=N][,status=S][,retry_after=S]"
        "[,delay_ms=MS][,hang_seconds=S]; repeatable",
    )
    p.add_argument("--fault-seed", type=int, default=0)
    p.add_argument("--github-budget", type=int, default=5000, help="REST requests per window")
    p.add_argument(
        "--github-graphql-budget", type=int, default=5000, help="GraphQL points per window"
    )
    p.add_argument("--github-window-seconds", type=int, default=3600)
    p.add_argument("--github-exhausted-status", type=int, choices=[403, 429], default=403)
    p.add_argument("--jira-limit", type=int, default=1000, help="Jira requests per window")
    p.add_argument("--jira-window-seconds", type=int, default=10)
    p.add_argument("--trello-token-limit", type=int, default=100)
    p.add_argument("--trello-key-limit", type=int, default=300)
    p.add_argument("--trello-window-seconds", type=int, default=10)
    p.add_argument("--data", metavar="DIR", help="serve recorded DevLake GitHub rows from DIR")
    p.add_argument(
        "--slack-hook",
        action="append",
        default=[],
        metavar="T/B/TOKEN",
        help="a live Slack incoming-webhook path (/services/T/B/TOKEN) besides the demo's",
    )
    p.add_argument("--quiet", action="store_true", help="do not log each request")
    return p


def scale_from(args) -> Scale:
    base = Scale.named(args.scale)
    overrides = {k: getattr(args, k) for k in base.__dataclass_fields__ if getattr(args, k, None)}
    return Scale(**(base.__dict__ | overrides))


def make_app(args) -> SandboxApp:
    if args.now_file:
        args.now = now_from_file(Path(args.now_file))
    settings = Settings(
        seed=args.seed,
        scale=args.scale,
        now=args.now,
        latency_ms=args.latency_ms,
        github_budget=args.github_budget,
        github_graphql_budget=args.github_graphql_budget,
        github_window_seconds=args.github_window_seconds,
        github_exhausted_status=args.github_exhausted_status,
        jira_limit=args.jira_limit,
        jira_window_seconds=args.jira_window_seconds,
        trello_token_limit=args.trello_token_limit,
        trello_key_limit=args.trello_key_limit,
        trello_window_seconds=args.trello_window_seconds,
        data_dir=args.data,
        slack_hooks=tuple(hook.strip("/") for hook in args.slack_hook),
    )
    org = generate(args.seed, scale_from(args), parse_iso(args.now))
    faults = FaultSet(args.fault_seed, [Fault.parse(spec) for spec in args.fault])
    return SandboxApp(org, settings, faults)


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    started = time.monotonic()
    try:
        app = make_app(args)
    except ValueError as exc:
        print(f"sandbox: {exc}", file=sys.stderr)
        return 2
    server = make_server(args.host, args.port, app, threaded=True)
    if args.quiet:
        server.RequestHandlerClass.log_request = lambda *a, **k: None
    host, port = server.server_address[:2]
    base = f"http://{host}:{port}"
    # Names and credentials are at /_sandbox/info, not in the terminal.
    print(
        f"sandbox ready on {base} in {time.monotonic() - started:.1f}s "
        f"(names and credentials: {base}/_sandbox/info)",
        flush=True,
    )
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        while thread.is_alive():
            thread.join(0.5)
    except KeyboardInterrupt:
        pass
    finally:
        server.shutdown()
    return 0


if __name__ == "__main__":
    sys.exit(main())
