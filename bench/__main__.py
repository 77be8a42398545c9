"""`python -m bench`: run the benchmarks and print their tables (see README, "Benchmarks").

Uses a throwaway database created like the test database (SQLite by default; PostgreSQL and
Redis when DATABASE_URL / REDIS_URL are set) and the bundled sandbox on a free loopback port.
"""

from __future__ import annotations

import argparse
import os
import sys


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--repeat", type=int, default=10, help="requests per measurement")
    args = parser.parse_args(argv)

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "agiletrack.settings")
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection
    from django.test.utils import setup_test_environment

    from bench import pages
    from bench.report import machine
    from tests.sandbox_server import start_sandbox, stop_sandbox

    settings.AGILETRACK_ALLOWED_API_HOSTS = ["127.0.0.1"]
    setup_test_environment()
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True, keepdb=False)
    call_command("createcachetable", verbosity=0)
    call_command("collectstatic", interactive=False, verbosity=0)
    box = start_sandbox("--seed", "7")
    try:
        print(f"# AgileTrack benchmarks\n\nMachine: {machine()}\n")
        print(pages.run(box.info, repeat=args.repeat))
        print(pages.run(box.info, repeat=args.repeat, since="2026-07-01", until="2026-11-01"))
    finally:
        stop_sandbox(box)
        connection.creation.destroy_test_db(old_name, verbosity=0)
    return 0


if __name__ == "__main__":
    sys.exit(main())
