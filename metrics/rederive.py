"""Re-deriving stored work items when a setting that only changes how they are read changes
(a status or list mapping, the left-out kinds): categories again from the stored status names and
the provider's own categories, then every derived value. No request goes to the provider."""

from __future__ import annotations

from django.db import transaction

from integrations.models import Integration
from integrations.providers.registry import reading
from integrations.providers.spec import Reading
from metrics.bulk import update_rows
from metrics.cache import invalidate_integration
from metrics.derived import REFRESH_CHUNK, refresh_sprints, refresh_work_items
from metrics.models import WorkItem, WorkItemChange


def _category(read: Reading, name: str, source: str) -> str:
    """A stored status read again; "" stays "" (no status before the first change)."""
    return read.category(name, source) if (name or source) else ""


def _recategorize(integration: Integration, read: Reading) -> int:
    changed_items = []
    items = WorkItem.objects.filter(integration=integration).only(
        "pk", "status", "source_category", "status_category"
    )
    for item in items.iterator(chunk_size=REFRESH_CHUNK):
        category = _category(read, item.status, item.source_category)
        if category != item.status_category:
            item.status_category = category
            changed_items.append(item)
    changed_moves = []
    moves = WorkItemChange.objects.filter(integration=integration, field="status").only(
        "pk",
        "from_value",
        "to_value",
        "from_source_category",
        "to_source_category",
        "from_category",
        "to_category",
    )
    for move in moves.iterator(chunk_size=REFRESH_CHUNK):
        before = _category(read, move.from_value, move.from_source_category)
        after = _category(read, move.to_value, move.to_source_category)
        if (before, after) != (move.from_category, move.to_category):
            move.from_category, move.to_category = before, after
            changed_moves.append(move)
    update_rows(changed_items, ["status_category"])
    update_rows(changed_moves, ["from_category", "to_category"])
    return len(changed_items) + len(changed_moves)


def rederive_work_items(integration: Integration) -> dict[str, int]:
    """Read the integration's stored work items again under its current settings, refresh what
    derives from them (times, finishes, flow, sprints) and invalidate its cached metrics."""
    with transaction.atomic():
        recategorized = _recategorize(integration, reading(integration.kind, integration.config))
        counts = {
            "recategorized": recategorized,
            "work_items": refresh_work_items(integration),
            "sprints": refresh_sprints(integration),
        }
    transaction.on_commit(lambda: invalidate_integration(integration.pk))
    return counts
