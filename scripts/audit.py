#!/usr/bin/env python3
"""`make audit`: pip-audit over the pinned requirements; exit 1 on a known vulnerability.

    python scripts/audit.py [-r requirements-dev.txt ...] [-- extra pip-audit options]

When the advisory service (or the package index pip-audit resolves with) cannot be reached,
nothing was checked: it says so loudly ("NOT CHECKED") and exits 0, so an offline build is not
failed for it. Any other failure of pip-audit (a requirement that cannot be resolved, a bad
option) exits 2.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

# Words in pip-audit's error output that mean a service could not be reached, not a bad input.
UNREACHABLE = (
    "connectionerror",
    "connection refused",
    "max retries exceeded",
    "name or service not known",
    "temporary failure in name resolution",
    "failed to establish a new connection",
    "timed out",
    "network is unreachable",
    "no route to host",
    "sslerror",
    "proxyerror",
    "could not fetch",
    "serviceerror",
)


def pip_audit_command(requirements: list[str], extra: list[str], output: Path) -> list[str]:
    command = [sys.executable, "-m", "pip_audit", "--format", "json", "--output", str(output)]
    command += ["--progress-spinner", "off"]
    for path in requirements:
        command += ["--requirement", path]
    return command + extra


def vulnerable(report: dict) -> list[tuple[str, str, str, str]]:
    """(package, version, advisory id, fixed in) for every known vulnerability in the report."""
    found = []
    for dependency in report.get("dependencies", []):
        for vuln in dependency.get("vulns", []):
            fixed = ", ".join(vuln.get("fix_versions") or []) or "no fix yet"
            found.append((dependency["name"], dependency.get("version", "?"), vuln["id"], fixed))
    return found


def unreachable(stderr: str) -> bool:
    text = stderr.lower()
    return any(words in text for words in UNREACHABLE)


def not_checked(reason: str) -> int:
    banner = "!" * 72
    lines = [
        banner,
        "!! NOT CHECKED: pip-audit could not reach its advisory service or the package index,",
        "!! so no requirement was checked for known vulnerabilities.",
        f"!! {reason}",
        banner,
    ]
    print("\n".join(lines), file=sys.stderr)
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-r", "--requirement", action="append", dest="requirements")
    parser.add_argument("extra", nargs="*", help="passed to pip-audit (after --)")
    args = parser.parse_args(argv)
    requirements = args.requirements or ["requirements-dev.txt"]
    with tempfile.TemporaryDirectory() as folder:
        output = Path(folder) / "audit.json"
        command = pip_audit_command(requirements, args.extra, output)
        completed = subprocess.run(command, capture_output=True, text=True, check=False)  # noqa: S603
        report = json.loads(output.read_text()) if output.is_file() else None
    if report is None:
        last = (completed.stderr.strip().splitlines() or ["(no output)"])[-1]
        if unreachable(completed.stderr):
            return not_checked(last)
        print(completed.stderr, file=sys.stderr)
        print(f"pip-audit failed (exit {completed.returncode}): {last}", file=sys.stderr)
        return 2
    found = vulnerable(report)
    checked = len(report.get("dependencies", []))
    if not found:
        print(f"pip-audit: {checked} pinned packages checked, no known vulnerabilities.")
        return 0
    print(f"pip-audit: {len(found)} known vulnerabilities in {checked} pinned packages:")
    for name, version, advisory, fixed in found:
        print(f"  {name}=={version}  {advisory}  (fixed in: {fixed})")
    return 1


if __name__ == "__main__":
    sys.exit(main())
