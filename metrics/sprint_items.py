"""The work items ever in some sprints, as calculation facts: read by the sprint selectors and by
metrics.derived, which stores each sprint's scope."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from django.db.models import Q

from metrics import calculations as calc
from metrics.models import SprintMembership, WorkItem, WorkItemChange


def _item_ids(integration_id: int, wanted: list[str]) -> list[int]:
    """Ids of the current members of the sprints and of the items whose sprint history names
    one of them."""
    mentions = Q()
    for sprint_id in wanted:
        # A substring match may also select items of sprint "112" for "12"; calc.sprint_scope
        # reads the exact ids, so those only cost time.
        mentions |= Q(to_value__contains=sprint_id) | Q(from_value__contains=sprint_id)
    from_history = WorkItemChange.objects.filter(
        Q(integration_id=integration_id, field="sprint") & mentions
    ).values("work_item_id")
    members = SprintMembership.objects.filter(
        sprint__integration_id=integration_id, sprint__external_id__in=wanted
    ).values("work_item_id")
    # Ids first (two index reads), then plain `IN` lists: faster than nesting both subqueries
    # in each of the three reads that follow.
    return sorted(
        set(from_history.values_list("work_item_id", flat=True))
        | set(members.values_list("work_item_id", flat=True))
    )


def _changes_by_item(ids: list[int]) -> dict[int, list[Any]]:
    """Each item's changes in time order: (field, at, from, to, from category, to category)."""
    changes: dict[int, list[Any]] = defaultdict(list)
    for item_id, *change in (
        WorkItemChange.objects.filter(work_item_id__in_ids=ids)
        .order_by("changed_at", "pk")
        .values_list(
            "work_item_id",
            "field",
            "changed_at",
            "from_value",
            "to_value",
            "from_category",
            "to_category",
        )
    ):
        changes[item_id].append(change)
    return changes


def _sprints_by_item(ids: list[int]) -> dict[int, list[str]]:
    """Each item's current sprints (external ids)."""
    sprints: dict[int, list[str]] = defaultdict(list)
    for item_id, sprint_id in SprintMembership.objects.filter(work_item_id__in_ids=ids).values_list(
        "work_item_id", "sprint__external_id"
    ):
        sprints[item_id].append(sprint_id)
    return sprints


def _field_changes(kind: str, history: list[Any]) -> tuple[calc.FieldChangeFacts, ...]:
    return tuple(
        calc.FieldChangeFacts(at, old, new)
        for field_name, at, old, new, _, _ in history
        if field_name == kind
    )


def sprint_item_facts(integration_id: int, sprint_ids: Iterable[str]) -> list[calc.WorkItemFacts]:
    """Facts (status, sprint and points history) for the items that were ever in the sprints:
    current members, and items whose sprint history names one of them. Three plain queries
    (items, their changes, their current sprints) mapped straight into facts."""
    wanted = list(sprint_ids)
    if not wanted:
        return []
    ids = _item_ids(integration_id, wanted)
    changes = _changes_by_item(ids)
    sprints = _sprints_by_item(ids)
    facts = []
    for pk, created, category, resolved, points, kind in WorkItem.objects.filter(
        integration_id=integration_id, pk__in_ids=ids
    ).values_list("pk", "created_at", "status_category", "resolved_at", "story_points", "kind"):
        history = changes.get(pk, [])
        facts.append(
            calc.WorkItemFacts(
                id=str(pk),
                created_at=created,
                status_category=category,
                resolved_at=resolved,
                status_changes=tuple(
                    calc.StatusChangeFacts(at, old, new)
                    for field_name, at, _, _, old, new in history
                    if field_name == "status"
                ),
                story_points=points,
                sprint_ids=tuple(sprints.get(pk, ())),
                sprint_changes=_field_changes("sprint", history),
                points_changes=_field_changes("story_points", history),
                kind=kind,
            )
        )
    return facts
