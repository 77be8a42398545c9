"""Jira Cloud: issues with their status, sprint and story-point histories, and sprints."""

from integrations.providers.jira import config, webhooks
from integrations.providers.spec import SPRINTS, WORK_ITEMS, ProviderSpec, Reading


def reading(settings: dict) -> Reading:
    """The status mapping by name (case-insensitive) over Jira's own categories; left-out kinds."""
    mapping = {str(k).casefold(): v for k, v in (settings.get("status_mapping") or {}).items()}
    kinds = settings.get("left_out_kinds", config.DEFAULT_LEFT_OUT_KINDS) or ()
    return Reading(
        category=lambda status, source: mapping.get(status.casefold()) or source or "todo",
        left_out_kinds=tuple(str(kind) for kind in kinds),
    )


def demo(sandbox: dict) -> tuple[str, dict, dict]:
    """The demo integration on the bundled sandbox: its first board, by board and project key."""
    jira = sandbox["jira"]
    board = jira["boards"][0]
    settings = {
        "site_url": jira["site_url"],
        "board_id": board["id"],
        "project_keys": [board["project_key"]],
    }
    return "Sandbox Jira", settings, {"email": jira["email"], "api_token": jira["api_token"]}


PROVIDER = ProviderSpec(
    kind="jira",
    label="Jira Cloud",
    client="integrations.providers.jira.client.JiraProvider",
    config_serializer=config.JiraConfigSerializer,
    credentials_serializer=config.JiraCredentialsSerializer,
    api_url_setting="site_url",
    config_example={"site_url": "https://your-site.atlassian.net", "board_id": 1},
    verify_webhook=webhooks.signature_ok,
    webhook_delivery_id=webhooks.delivery_id,
    capabilities=frozenset({WORK_ITEMS, SPRINTS}),
    rederive_on_change=("status_mapping", "left_out_kinds"),
    reading=reading,
    scope_setting="board_id",
    scope_multiple=False,
    demo=demo,
)
