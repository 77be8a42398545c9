"""GitHub: pull requests with reviews and commits, deployments, incidents."""

from integrations.providers.github import config, webhooks
from integrations.providers.spec import DEPLOYMENTS, PULL_REQUESTS, ProviderSpec


def demo(sandbox: dict) -> tuple[str, dict, dict]:
    """The demo integration on the bundled sandbox."""
    github = sandbox["github"]
    settings = {"api_url": github["api_url"], "repositories": github["repositories"]}
    return "Sandbox GitHub", settings, {"token": github["token"]}


PROVIDER = ProviderSpec(
    kind="github",
    label="GitHub",
    client="integrations.providers.github.client.GitHubProvider",
    config_serializer=config.GitHubConfigSerializer,
    credentials_serializer=config.GitHubCredentialsSerializer,
    api_url_setting="api_url",
    config_example={"api_url": "https://api.github.com", "repositories": ["owner/repository"]},
    verify_webhook=webhooks.signature_ok,
    is_webhook_ping=webhooks.is_ping,
    webhook_delivery_id=webhooks.delivery_id,
    capabilities=frozenset({PULL_REQUESTS, DEPLOYMENTS}),
    # The API filters deployments by environment and issues by label; bots are told apart at
    # parse time with the account type, which is not stored: all three are read again.
    refetch_on_change=(
        "deployment_environments",
        "deployment_workflow_pattern",
        "deployment_branch",
        "incident_labels",
        "bot_patterns",
    ),
    scope_setting="repositories",
    # The environments filter what is fetched and which stored deployments count (and ship
    # pull requests): a change re-reads and re-derives.
    demo=demo,
)
