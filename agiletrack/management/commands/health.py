"""Print the health report as JSON; exit 1 when unhealthy (container healthchecks use it)."""

import json

from django.core.management.base import BaseCommand, CommandError

from agiletrack import health


class Command(BaseCommand):
    help = "Check the database, the broker and the beat heartbeat, as /healthz does."

    def add_arguments(self, parser):
        parser.add_argument(
            "--check",
            action="append",
            choices=sorted(health.CHECKS),
            help="Run only this check (repeatable). Default: all.",
        )

    def handle(self, *args, **options):
        report = health.run_checks(options["check"])
        self.stdout.write(json.dumps(report, indent=2))
        if report["status"] != "ok":
            raise CommandError("unhealthy")
