"""Stored rows mapped into the facts of metrics.calculations, for tests that recompute metrics
with the pure functions and compare them with the selectors (SQL aggregates).

These are deliberately independent of the selectors: every row is read and mapped in Python.
"""

from __future__ import annotations

from django.db.models import Prefetch, QuerySet

from metrics import calculations as calc
from metrics import derived
from metrics.models import Sprint, WorkItem, WorkItemChange


def work_item_facts(rows: QuerySet[WorkItem]) -> list[calc.WorkItemFacts]:
    """Each work item with its status history."""
    ordered = WorkItemChange.objects.order_by("changed_at", "pk")
    return [
        calc.WorkItemFacts(
            id=str(row.pk),
            created_at=row.created_at,
            status_category=row.status_category,
            resolved_at=row.resolved_at,
            status_changes=derived.status_changes(row),
            kind=row.kind,
        )
        for row in rows.prefetch_related(Prefetch("changes", queryset=ordered))
    ]


def every_item_with_its_history(integration_id: int) -> list[calc.WorkItemFacts]:
    """Every work item of the integration with its status, sprint and points history."""
    facts = []
    rows = WorkItem.objects.filter(integration_id=integration_id).prefetch_related("sprints")
    for row in rows:
        changes = list(WorkItemChange.objects.filter(work_item=row).order_by("changed_at", "pk"))

        def field(name: str, changes=changes) -> tuple[calc.FieldChangeFacts, ...]:
            return tuple(
                calc.FieldChangeFacts(c.changed_at, c.from_value, c.to_value)
                for c in changes
                if c.field == name
            )

        facts.append(
            calc.WorkItemFacts(
                id=str(row.pk),
                created_at=row.created_at,
                status_category=row.status_category,
                resolved_at=row.resolved_at,
                status_changes=tuple(
                    calc.StatusChangeFacts(c.changed_at, c.from_category, c.to_category)
                    for c in changes
                    if c.field == "status"
                ),
                story_points=row.story_points,
                sprint_ids=tuple(s.external_id for s in row.sprints.all()),
                sprint_changes=field("sprint"),
                points_changes=field("story_points"),
            )
        )
    return facts


def sprint_scope_of(sprint: Sprint, items: list[calc.WorkItemFacts]) -> calc.SprintScope:
    """A sprint's committed, added, removed and completed points from its items' histories."""
    facts = calc.SprintFacts(
        sprint.external_id, sprint.start_at, sprint.end_at, sprint.completed_at
    )
    return calc.sprint_scope(facts, items)
