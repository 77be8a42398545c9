"""Create the demo team: one integration per provider, each reading the bundled sandbox, and
three working agreements whose alerts go to the sandbox's Slack stand-in."""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from agreements.demo import seed_demo_agreements
from integrations import services
from integrations.models import Integration, Team
from integrations.providers import registry


def sandbox_info(port: int, seed: int) -> dict:
    """What the demo sandbox (`python -m sandbox --port PORT --seed SEED --now-file
    VAR/sandbox-now`, see the Procfile) serves: names and credentials."""
    from sandbox.__main__ import build_parser, make_app
    from sandbox.control import info

    now_file = str(settings.VAR_DIR / "sandbox-now")
    args = build_parser().parse_args(
        ["--port", str(port), "--seed", str(seed), "--now-file", now_file]
    )
    return info(make_app(args).org, sandbox_base(port))


def sandbox_base(port: int) -> str:
    return f"http://127.0.0.1:{port}"


def demo_slack_url(port: int) -> str:
    """The sandbox's live Slack incoming-webhook stand-in (sandbox/receivers.py)."""
    from sandbox.receivers import DEMO_HOOK

    return f"{sandbox_base(port)}/services/{DEMO_HOOK}"


class Command(BaseCommand):
    help = "Create a demo team with integrations pointing at the sandbox API (idempotent)."

    def add_arguments(self, parser):
        parser.add_argument("--sandbox-port", type=int, default=8900)
        parser.add_argument("--seed", type=int, default=1, help="The sandbox's --seed.")

    def handle(self, *args, **options):
        try:
            import sandbox  # noqa: F401 - only to say clearly when it is missing
        except ImportError:
            raise CommandError(
                "The demo reads the bundled sandbox, which the production image leaves out: run "
                "it from a checkout (`make run`)."
            ) from None
        self.seed(options)

    @transaction.atomic
    def seed(self, options):
        team, created = Team.objects.get_or_create(slug="demo", defaults={"name": "Demo team"})
        team.members.add(*get_user_model().objects.filter(is_superuser=True))
        added = seed_demo_agreements(team, demo_slack_url(options["sandbox_port"]))
        if added:
            self.stdout.write(
                f"Added {added} working agreements to the demo team; one is broken on the "
                "sandbox's data, so its alert opens after the first sync and goes to the "
                "sandbox's Slack stand-in (/_sandbox/slack/messages)."
            )
        if not created and Integration.objects.filter(team=team).exists():
            self.stdout.write("Demo team exists; its integrations sync on their schedule.")
            return
        sandbox = sandbox_info(options["sandbox_port"], options["seed"])
        # One integration per provider the sandbox stands in for.
        demos = [(spec.kind, *spec.demo(sandbox)) for spec in registry.providers() if spec.demo]
        for kind, name, config, credentials in demos:
            services.create_integration(
                team=team, kind=kind, name=name, config=config, credentials=credentials
            )
        self.stdout.write(
            self.style.SUCCESS(
                f"Created the demo team with {len(demos)} sandbox integrations; "
                "their first sync starts with the worker."
            )
        )
