"""The provider interface: what every provider client offers the sync engine.

A provider speaks HTTP to one API and returns frozen dataclasses (records.py); it never touches
the ORM. The sync engine reads a provider stream by stream (`streams()`), page by page
(`fetch()`), stores each batch, and moves the stream's cursor only after the batch is committed.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import ClassVar

from integrations.providers.http import HttpClient, RequestStats
from integrations.providers.records import Batch, CommitRange, ConnectionCheck, Cursor, ScopePage


class Provider:
    """Base class of provider clients; each holds one HttpClient as `http`."""

    kind: ClassVar[str] = ""
    http: HttpClient

    @property
    def stats(self) -> RequestStats:
        """Requests this client sent, per endpoint and status, with the free 304s apart."""
        return self.http.stats

    @property
    def rate_limit(self) -> dict:
        """The last rate-limit headers the provider sent."""
        return dict(self.http.rate_limit)

    def check_connection(self) -> ConnectionCheck:
        """Check the credentials and that every configured scope is reachable."""
        raise NotImplementedError

    def list_scopes(self, query: str, cursor: str | None) -> ScopePage:
        """What the credentials can read that the config's scope setting may name (the form's
        picker): matching `query`, from `cursor` (None: from the start)."""
        raise NotImplementedError

    def streams(self) -> list[str]:
        """Names of the streams a sync reads, e.g. "pull_requests:acme/web"."""
        raise NotImplementedError

    def fetch(self, stream: str, cursor: Cursor) -> Iterator[Batch]:
        """Yield the stream's changes since `cursor`, page by page."""
        raise NotImplementedError

    def commits_between(self, repository: str, base_sha: str, head_sha: str) -> CommitRange:
        """The commits a deployment of `head_sha` shipped after one of `base_sha` (providers
        with deployments; the sync asks once per new production deployment)."""
        raise NotImplementedError

    def begin_stream(self) -> None:
        """Count the next requests against a new stream's cap (see HttpOptions)."""
        self.http.begin_stream()

    def close(self) -> None:
        """Release the HTTP session."""
        self.http.close()
