"""Trello: a board's cards as work items, with list moves as status changes."""

from integrations.providers.spec import WORK_ITEMS, ProviderSpec, Reading
from integrations.providers.trello import config, parse, webhooks


def reading(settings: dict) -> Reading:
    """The list mapping over the guess from the list's name; an archived card stays archived."""
    mapping = settings.get("list_mapping") or {}

    def category(status: str, source: str) -> str:
        if source == parse.ARCHIVED:
            return source
        return parse.mapped_category(status, mapping) or source or "todo"

    def unplaced(status: str, source: str) -> bool:
        return not source and parse.mapped_category(status, mapping) is None

    return Reading(category=category, unplaced=unplaced)


def demo(sandbox: dict) -> tuple[str, dict, dict]:
    """The demo integration on the bundled sandbox: all its boards."""
    trello = sandbox["trello"]
    settings = {"api_url": trello["api_url"], "board_ids": [b["id"] for b in trello["boards"]]}
    return "Sandbox Trello", settings, {"key": trello["key"], "token": trello["token"]}


PROVIDER = ProviderSpec(
    kind="trello",
    label="Trello",
    client="integrations.providers.trello.client.TrelloProvider",
    config_serializer=config.TrelloConfigSerializer,
    credentials_serializer=config.TrelloCredentialsSerializer,
    api_url_setting="api_url",
    config_example={
        "board_ids": ["24-hex-character board id"],
        "list_mapping": {"Doing": "in_progress"},
    },
    verify_webhook=webhooks.signature_ok,
    webhook_delivery_id=webhooks.delivery_id,
    # Trello checks the callback URL with HEAD when the webhook is created.
    webhook_methods=("HEAD", "POST"),
    capabilities=frozenset({WORK_ITEMS}),
    rederive_on_change=("list_mapping",),
    reading=reading,
    scope_setting="board_ids",
    demo=demo,
)
