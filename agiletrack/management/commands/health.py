"""Print the health report as JSON; exit 1 when unhealthy (container healthchecks use it)."""

import json
import urllib.error
import urllib.request

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from agiletrack import health


def fetch_report(url: str) -> dict:
    """Read the /healthz report of a running web process."""
    # The Host header must be one Django accepts; probes come from inside the container.
    host = next((h.lstrip(".") for h in settings.ALLOWED_HOSTS if h != "*"), "localhost")
    request = urllib.request.Request(url, headers={"Host": host})  # noqa: S310 - operator's URL
    try:
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
            return json.load(response)
    except urllib.error.HTTPError as exc:
        if exc.code == 503:  # unhealthy, but the report is there
            return json.load(exc)
        raise CommandError(f"{url} answered HTTP {exc.code}") from exc
    except (urllib.error.URLError, TimeoutError, ValueError) as exc:
        raise CommandError(f"{url} did not answer: {exc}") from exc


class Command(BaseCommand):
    help = "Check the database, the broker and the beat heartbeat, as /healthz does."

    def add_arguments(self, parser):
        parser.add_argument(
            "--check",
            action="append",
            choices=sorted(health.CHECKS),
            help="Judge only this check (repeatable). Default: all.",
        )
        parser.add_argument(
            "--url",
            help="Read the report from a running web process (e.g. http://127.0.0.1:8000/healthz)"
            " instead of checking from this process.",
        )

    def handle(self, *args, **options):
        names = options["check"] or sorted(health.CHECKS)
        if options["url"]:
            report = fetch_report(options["url"])
            checks = {name: report["checks"][name] for name in names}
            healthy = all(check["ok"] for check in checks.values())
            report = {"status": "ok" if healthy else "unhealthy", "checks": checks}
        else:
            report = health.run_checks(names)
        self.stdout.write(json.dumps(report, indent=2))
        if report["status"] != "ok":
            raise CommandError("unhealthy")
