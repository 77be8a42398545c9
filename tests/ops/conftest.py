"""Fixtures of the operations tests: /metrics readers and exposition parsing."""

from __future__ import annotations

import pytest
from prometheus_client.parser import text_string_to_metric_families

# Real worker and beat subprocesses (stopped after each test).
from tests.e2e.conftest import celery_processes  # noqa: F401


def parse_exposition(text: str) -> dict[str, list]:
    """Family name -> its samples, from a Prometheus text exposition."""
    return {family.name: family.samples for family in text_string_to_metric_families(text)}


def sample_value(families: dict[str, list], sample_name: str, **labels: str) -> float | None:
    """The value of the one sample with this name and (at least) these labels, or None."""
    for samples in families.values():
        for sample in samples:
            if sample.name == sample_name and labels.items() <= sample.labels.items():
                return sample.value
    return None


@pytest.fixture
def scrape(client):
    """GET /metrics from loopback (the test client's address) and parse it."""

    def get() -> dict[str, list]:
        response = client.get("/metrics")
        assert response.status_code == 200, response.content[:500]
        return parse_exposition(response.content.decode())

    return get
