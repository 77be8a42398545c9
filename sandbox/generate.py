"""Deterministic generated organisation: GitHub repositories, a Jira site and Trello boards.

Everything comes from `random.Random` seeded with strings derived from the seed (string seeds are
hashed with SHA-512, so they do not depend on PYTHONHASHSEED) and from a fixed "now"; the wall
clock is never read. The records are in model.py, each provider's generator in generate_<api>.py.
"""

# Seeded hashes here make stable fake credentials, not secrets.
# ruff: noqa: S324

from __future__ import annotations

import hashlib

from .generate_github import github_records
from .generate_jira import jira_records
from .generate_trello import trello_records
from .model import DAY, Organisation, Scale


def credentials_for(seed: int) -> dict:
    digest = hashlib.sha256(f"agiletrack-sandbox:{seed}".encode()).hexdigest()
    return {
        # A personal access token, and a GitHub App installation token (ghs_ prefix, as GitHub's).
        "github": {
            "token": f"ghp_sandbox{digest[:29]}",
            "installation_token": f"ghs_sandbox{digest[29:58]}",
        },
        "jira": {"email": "sandbox@acme-eng.example", "api_token": f"ATATT-sandbox-{digest[:24]}"},
        "trello": {
            "key": hashlib.md5(f"key:{seed}".encode()).hexdigest(),
            "token": hashlib.sha256(f"token:{seed}".encode()).hexdigest(),
        },
    }


def generate(seed: int, scale: Scale, now: int) -> Organisation:
    """Build the whole organisation for a seed, a scale and a fixed 'now'."""
    start = now - scale.days * DAY
    # The last id given out per kind; records made at run time (mutate.py) continue from them.
    github_ids = {"review": 80_000_000, "deployment": 500_000, "status": 9_000_000}
    github_ids |= {"run": 30_000_000, "issue_id": 1_500_000_000, "release": 100_000}
    github_ids |= {"pr_id": 1_200_000_000, "comment": 2_100_000_000}
    # Thread replies count apart from reviews, so adding them changed no other review's id.
    github_ids |= {"reply": 1_900_000_000}
    jira_ids = {"issue": 10000, "history": 100000, "sprint": 0}
    org = Organisation(
        seed=seed,
        now=now,
        scale=scale,
        **github_records(seed, scale, start, now, github_ids),
        **jira_records(seed, scale, start, now, jira_ids),
        **trello_records(seed, scale, start, now),
        credentials=credentials_for(seed),
    )
    org.next_ids = github_ids | {"jira_issue": jira_ids["issue"], "history": jira_ids["history"]}
    return org
