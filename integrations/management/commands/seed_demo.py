"""Create the demo team whose GitHub, Jira and Trello integrations read the bundled sandbox."""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.db import transaction

from integrations import services
from integrations.models import Integration, Team


def sandbox_info(port: int, seed: int) -> dict:
    """What the demo sandbox (`python -m sandbox --port PORT --seed SEED --now-file
    VAR/sandbox-now`, see the Procfile) serves: names and credentials."""
    from sandbox.__main__ import build_parser, make_app
    from sandbox.control import info

    now_file = str(settings.VAR_DIR / "sandbox-now")
    args = build_parser().parse_args(
        ["--port", str(port), "--seed", str(seed), "--now-file", now_file]
    )
    return info(make_app(args).org, f"http://127.0.0.1:{port}")


class Command(BaseCommand):
    help = "Create a demo team with integrations pointing at the sandbox API (idempotent)."

    def add_arguments(self, parser):
        parser.add_argument("--sandbox-port", type=int, default=8900)
        parser.add_argument("--seed", type=int, default=1, help="The sandbox's --seed.")

    @transaction.atomic
    def handle(self, *args, **options):
        team, created = Team.objects.get_or_create(slug="demo", defaults={"name": "Demo team"})
        team.members.add(*get_user_model().objects.filter(is_superuser=True))
        if not created and Integration.objects.filter(team=team).exists():
            self.stdout.write("Demo team exists; its integrations sync on their schedule.")
            return
        sandbox = sandbox_info(options["sandbox_port"], options["seed"])
        github, jira, trello = sandbox["github"], sandbox["jira"], sandbox["trello"]
        integrations = [
            (
                "github",
                "Sandbox GitHub",
                {"api_url": github["api_url"], "repositories": github["repositories"]},
                {"token": github["token"]},
            ),
            (
                "jira",
                "Sandbox Jira",
                {
                    "site_url": jira["site_url"],
                    "board_id": jira["boards"][0]["id"],
                    "project_keys": [jira["boards"][0]["project_key"]],
                },
                {"email": jira["email"], "api_token": jira["api_token"]},
            ),
            (
                "trello",
                "Sandbox Trello",
                {
                    "api_url": trello["api_url"],
                    "board_ids": [board["id"] for board in trello["boards"]],
                },
                {"key": trello["key"], "token": trello["token"]},
            ),
        ]
        for kind, name, config, credentials in integrations:
            services.create_integration(
                team=team, kind=kind, name=name, config=config, credentials=credentials
            )
        self.stdout.write(
            self.style.SUCCESS(
                f"Created the demo team with {len(integrations)} sandbox integrations; "
                "their first sync starts with the worker."
            )
        )
