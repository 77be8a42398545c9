"""The one registry of providers: every package under integrations/providers/ that declares a
`PROVIDER` is found here, and models, forms, the admin, webhooks and the API ask it.

Adding a provider is adding a package (see docs/providers.md); nothing else names a kind.
"""

from __future__ import annotations

import importlib
import pkgutil
import threading
from collections.abc import Iterable
from pathlib import Path

from django.utils.module_loading import import_string

from integrations.providers.base import Provider
from integrations.providers.http import HttpOptions
from integrations.providers.spec import ProviderSpec, Reading

_PROVIDERS: dict[str, ProviderSpec] = {}
_discovered = False
_discovering = False
_discovery = threading.RLock()


def discover() -> None:
    """Import each provider package once and register the `PROVIDER` it declares. Another thread
    asking meanwhile (a page's read helpers) waits for the whole registry; a package that asks
    while it is imported gets what is registered so far."""
    global _discovered, _discovering
    if _discovered:
        return
    with _discovery:
        if _discovered or _discovering:
            return
        _discovering = True
        try:
            for module in pkgutil.iter_modules([str(Path(__file__).parent)]):
                if not module.ispkg:
                    continue
                package = importlib.import_module(f"{__package__}.{module.name}")
                spec = getattr(package, "PROVIDER", None)
                if isinstance(spec, ProviderSpec):
                    register(spec)
            _discovered = True
        finally:
            _discovering = False


def register(spec: ProviderSpec) -> None:
    """Add a provider (tests register toy ones; `unregister` takes them away again)."""
    if len(spec.kind) > 16 or not spec.kind.isidentifier() or spec.kind != spec.kind.lower():
        raise ValueError(
            f"A provider kind is a lower-case name of 16 characters at most: {spec.kind!r}"
        )
    _PROVIDERS[spec.kind] = spec


def unregister(kind: str) -> None:
    _PROVIDERS.pop(kind, None)


def providers() -> list[ProviderSpec]:
    """Every registered provider, in the order of their labels."""
    discover()
    return sorted(_PROVIDERS.values(), key=lambda spec: spec.label.lower())


def get(kind: str) -> ProviderSpec | None:
    discover()
    return _PROVIDERS.get(kind)


def kind_choices() -> list[tuple[str, str]]:
    """(kind, label) pairs: Integration.kind's choices, read whenever a form or serializer asks."""
    return [(spec.kind, spec.label) for spec in providers()]


def capabilities_of(kinds: Iterable[str]) -> set[str]:
    """Everything integrations of these kinds bring to the dashboards (see spec.py)."""
    found: set[str] = set()
    for kind in kinds:
        spec = get(kind)
        if spec is not None:
            found |= spec.capabilities
    return found


def may_hold(kind: str, capability: str) -> bool:
    """Whether integrations of `kind` can hold rows of `capability` (spec.py): what their provider
    declares; a kind no longer registered may hold whatever it stored before."""
    spec = get(kind)
    return spec is None or spec.has(capability)


def build_provider(
    kind: str, config: dict, credentials: dict, options: HttpOptions | None = None
) -> Provider:
    """The client for an integration of `kind`, configured and authenticated."""
    spec = get(kind)
    if spec is None:
        raise KeyError(f"No provider of kind {kind!r} is registered.")
    provider_class = import_string(spec.client)
    return provider_class(config, credentials, options=options)


def reading(kind: str, config: dict) -> Reading:
    """How stored work items of an integration of `kind` are read under `config`."""
    spec = get(kind)
    return spec.reading(config) if spec else Reading()
