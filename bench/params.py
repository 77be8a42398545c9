"""The sizes each benchmark runs at: the full run (`make bench`) and `--quick`."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Params:
    requests_scale: str  # sandbox scale of benchmark 1
    sync_time_scale: str  # sandbox scale of benchmark 2
    latency_ms: int  # added by the sandbox to every API answer (benchmark 2)
    workers: tuple[int, ...]  # worker process counts (benchmarks 2 and 5)
    ingest_pull_requests: int  # pull requests upserted (benchmark 3), two reviews each
    pull_requests: int  # seeded for benchmark 4
    work_items: int  # seeded for benchmark 4
    clients: int  # concurrent HTTP clients (benchmark 4)
    warm_requests: int  # requests per endpoint from a warm cache (benchmark 4)
    cold_rounds: int  # rounds of `clients` cold requests per endpoint (benchmark 4)
    integrations: int  # fanned out by the hourly task (benchmark 5)
    memory_prs: tuple[int, ...]  # pull requests of the repository synced for peak memory (5)


FULL = Params(
    requests_scale="large",
    sync_time_scale="medium",
    latency_ms=50,
    workers=(1, 2),
    ingest_pull_requests=20_000,
    pull_requests=100_000,
    work_items=200_000,
    clients=10,
    warm_requests=200,
    # A cold request over a year of 100k pull requests takes seconds: two rounds of ten.
    cold_rounds=2,
    integrations=500,
    memory_prs=(250, 1000, 4000),
)

QUICK = Params(
    requests_scale="small",
    sync_time_scale="small",
    latency_ms=50,
    workers=(1, 2),
    ingest_pull_requests=1_000,
    pull_requests=2_000,
    work_items=4_000,
    clients=10,
    warm_requests=20,
    cold_rounds=2,
    integrations=12,
    memory_prs=(50, 200),
)
