"""Fault injection: rules matched by path pattern that replace or disturb a normal answer.

Kinds:
  status     answer `status` (500, 502 or 503) with the API's error body
  rate_limit 429 with Retry-After (GitHub also gets x-ratelimit-remaining: 0)
  secondary  GitHub's secondary rate limit: 403, "secondary rate limit" message, Retry-After
  slow       wait `delay_ms`, then answer normally
  hang       hold the request (up to `hang_seconds`, or until the faults are cleared), then drop it
  drop       close the connection without any response
  malformed  200 with a body that is not valid JSON
  truncated  200 whose body stops half-way: Content-Length promises more, then the socket closes
  html       200 with an HTML page instead of JSON (a proxy's or a login page)
  drift      200 with valid JSON whose shape changed: every "id" / "databaseId" key is renamed

A rule fires for requests whose path matches `path` (fnmatch, e.g. "/repos/*/pulls"), with
probability `rate` drawn from a seeded generator (so runs repeat), at most `count` times.
"""

# Seeded generators and hashes here make stable fake data and ids, not secrets.
# ruff: noqa: S311

from __future__ import annotations

import fnmatch
import random
import threading
from dataclasses import asdict, dataclass, fields

KINDS = (
    "status",
    "rate_limit",
    "secondary",
    "slow",
    "hang",
    "drop",
    "malformed",
    "truncated",
    "html",
    "drift",
)
# Kinds that let the normal answer be made, then change its body.
CORRUPTING = ("malformed", "truncated", "html", "drift")


@dataclass
class Fault:
    kind: str
    path: str = "*"
    method: str = "*"
    rate: float = 1.0
    count: int | None = None
    status: int | None = None
    retry_after: int = 1
    delay_ms: int = 2000
    hang_seconds: float = 600.0
    fired: int = 0

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"unknown fault kind {self.kind!r}; choose from {', '.join(KINDS)}")
        if not 0 <= float(self.rate) <= 1:
            raise ValueError("rate must be between 0 and 1")
        if self.status is None:
            self.status = {"status": 503, "rate_limit": 429, "secondary": 403}.get(self.kind)
        if self.kind == "status" and self.status not in (500, 502, 503, 504):
            raise ValueError("status faults answer 500, 502, 503 or 504")

    @classmethod
    def from_dict(cls, data: dict) -> Fault:
        known = {f.name for f in fields(cls)} - {"fired"}
        unknown = set(data) - known
        if unknown:
            raise ValueError(f"unknown fault settings: {', '.join(sorted(unknown))}")
        types = {
            "rate": float,
            "count": int,
            "status": int,
            "retry_after": int,
            "delay_ms": int,
            "hang_seconds": float,
        }
        values = {k: (types[k](v) if k in types and v is not None else v) for k, v in data.items()}
        return cls(**values)

    @classmethod
    def parse(cls, spec: str) -> Fault:
        """Parse the CLI form `kind[,key=value...]`, e.g. `status,path=/repos/*,status=502`."""
        kind, *pairs = spec.split(",")
        data: dict = {"kind": kind.strip()}
        for pair in pairs:
            key, _, value = pair.partition("=")
            data[key.strip().replace("-", "_")] = value.strip()
        return cls.from_dict(data)

    def matches(self, method: str, path: str) -> bool:
        if self.count is not None and self.fired >= self.count:
            return False
        if self.method != "*" and self.method.upper() != method:
            return False
        return fnmatch.fnmatchcase(path, self.path)


class FaultSet:
    """The active fault rules; thread-safe, changed at run time through /_sandbox/faults."""

    def __init__(self, seed: int = 0, faults: list[Fault] | None = None) -> None:
        self._lock = threading.Lock()
        self._rng = random.Random(f"faults:{seed}")
        self._seed = seed
        self.rules: list[Fault] = list(faults or [])
        self.release = threading.Event()  # set to free hung requests

    def pick(self, method: str, path: str) -> Fault | None:
        with self._lock:
            for rule in self.rules:
                if rule.matches(method, path) and (
                    rule.rate >= 1 or self._rng.random() < rule.rate
                ):
                    rule.fired += 1
                    return rule
        return None

    def replace(self, rules: list[Fault]) -> None:
        with self._lock:
            self.release.set()
            self.release = threading.Event()
            self.rules = list(rules)
            self._rng = random.Random(f"faults:{self._seed}")

    def add(self, rules: list[Fault]) -> None:
        with self._lock:
            self.rules.extend(rules)

    def describe(self) -> list[dict]:
        with self._lock:
            return [asdict(rule) for rule in self.rules]
