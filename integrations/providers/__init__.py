"""Provider clients: one module per API over the shared HTTP layer (http.py).

A new provider is one module with a `Provider` subclass plus one line in PROVIDERS.
"""

from django.utils.module_loading import import_string

from integrations.providers.base import Provider
from integrations.providers.http import HttpOptions

PROVIDERS: dict[str, str] = {
    "github": "integrations.providers.github.GitHubProvider",
    "jira": "integrations.providers.jira.JiraProvider",
    "trello": "integrations.providers.trello.TrelloProvider",
}


def build_provider(
    kind: str, config: dict, credentials: dict, options: HttpOptions | None = None
) -> Provider:
    """The client for an integration of `kind`, configured and authenticated."""
    provider_class = import_string(PROVIDERS[kind])
    return provider_class(config, credentials, options=options)
