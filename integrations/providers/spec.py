"""What a provider package declares about itself (`PROVIDER = ProviderSpec(...)` in its
`__init__.py`): its client, its config and credential schemas, its webhook check and what it
brings to the dashboards. Everything outside the package reads these through the registry."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.http import HttpRequest
from rest_framework import serializers

# What an integration can bring to the dashboards.
PULL_REQUESTS = "pull_requests"
DEPLOYMENTS = "deployments"
WORK_ITEMS = "work_items"
SPRINTS = "sprints"


def never(request: HttpRequest) -> bool:
    return False


def no_delivery_id(request: HttpRequest) -> str:
    return ""


def as_stored(status: str, source_category: str) -> str:
    """The default reading of a stored status: the provider's own category, else to do."""
    return source_category or "todo"


@dataclass(frozen=True)
class Reading:
    """How an integration's stored work items are read under its current settings (what
    metrics.rederive applies to stored rows, and a sync applies to what it fetches)."""

    # category(status name, provider's own category) -> todo | in_progress | done | archived
    category: Callable[[str, str], str] = as_stored
    # Kinds left out of flow metrics, as configured ("Epic"): calculations.is_left_out compares.
    left_out_kinds: tuple[str, ...] = ()
    # Status names the provider could not place: shown for the user to map.
    unplaced: Callable[[str, str], bool] = lambda status, source: False


@dataclass(frozen=True)
class ProviderSpec:
    """One provider: everything forms, the admin, the API, webhooks and the sync need to know."""

    kind: str  # stored on Integration.kind: lower-case, at most 16 characters, never renamed
    label: str  # what people read, e.g. "Jira Cloud"
    client: str  # dotted path of its Provider subclass, imported when a sync or check needs it
    config_serializer: type[serializers.Serializer]
    credentials_serializer: type[serializers.Serializer]
    # The config key holding the API address: stored credentials go to that origin only.
    api_url_setting: str
    # The settings the page form starts from when this provider is chosen.
    config_example: dict[str, Any]
    # verify_webhook(secret, request): is the call signed with the integration's secret?
    verify_webhook: Callable[[str, HttpRequest], bool]
    # A call that only checks the endpoint (GitHub's ping): answered 200, nothing queued.
    is_webhook_ping: Callable[[HttpRequest], bool] = never
    # The provider's id of a signed delivery, unchanged when it is sent again ("" when none):
    # a delivery id already seen is answered without a second sync.
    webhook_delivery_id: Callable[[HttpRequest], str] = no_delivery_id
    # Methods its webhook endpoint answers (Trello checks the callback URL with HEAD first).
    webhook_methods: tuple[str, ...] = ("POST",)
    capabilities: frozenset[str] = field(default_factory=frozenset)
    # Config keys that only change how stored rows are read (a status mapping, left-out kinds):
    # a change re-derives the stored rows from `reading`, with no request to the provider.
    rederive_on_change: tuple[str, ...] = ()
    # Config keys that change what is fetched (filters the provider applies): a change queues a
    # full re-sync (a reconcile), and the page says so.
    refetch_on_change: tuple[str, ...] = ()
    # reading(config): how stored work items are read under that config.
    reading: Callable[[dict], Reading] = lambda config: Reading()
    # The config key the form's picker writes the chosen scopes to ("" when the provider lists
    # none), and whether it holds several (a list) or one value.
    scope_setting: str = ""
    scope_multiple: bool = True
    # demo(sandbox_info): (name, config, credentials) of the demo integration on the sandbox.
    demo: Callable[[dict], tuple[str, dict, dict]] | None = None

    def credential_fields(self) -> dict[str, serializers.Field]:
        """The credentials serializer's fields by name, in declaration order."""
        return dict(self.credentials_serializer().fields)

    def required_credentials(self) -> list[str]:
        return [name for name, f in self.credential_fields().items() if f.required]

    def has(self, capability: str) -> bool:
        return capability in self.capabilities
