"""Sprint scope as Jira's Sprint Report and DevLake's sprint_issues read it: points when an item
joined, completion during the sprint only, say/do, carry-over, and the burndown's lines."""

from datetime import UTC, date, datetime, timedelta

from metrics.calculations import (
    FieldChangeFacts,
    SprintFacts,
    StatusChangeFacts,
    WorkItemFacts,
    burndown_lines,
    sprint_scope,
)

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)  # a Monday: the sprint starts
SPRINT = SprintFacts("s1", T0, T0 + timedelta(days=10), completed_at=T0 + timedelta(days=10))


def at(days: float) -> datetime:
    return T0 + timedelta(days=days)


def item(item_id: str, points: float, **changes) -> WorkItemFacts:
    values: dict = {
        "id": item_id,
        "created_at": at(-5),
        "status_category": "in_progress",
        "story_points": points,
        "sprint_ids": ("s1",),
    }
    values.update(changes)
    return WorkItemFacts(**values)


def done_on(day: float, *, before: tuple[StatusChangeFacts, ...] = ()) -> dict:
    return {
        "status_category": "done",
        "status_changes": (*before, StatusChangeFacts(at(day), "in_progress", "done")),
    }


def test_an_item_created_inside_the_sprint_is_added_at_its_points_at_creation():
    # Created on day 2 straight into the sprint (Jira records no sprint change then) at 2
    # points, re-estimated to 5 on day 4: it joined with 2.
    created_inside = item(
        "N", 5, created_at=at(2), points_changes=(FieldChangeFacts(at(4), "2", "5"),)
    )
    scope = sprint_scope(SPRINT, [item("A", 3), created_inside])
    assert scope.committed_ids == ("A",)
    assert (scope.added_ids, scope.added_points) == (("N",), 2)
    assert scope.remaining_points == 3 + 5  # read at close, at its points then


def test_an_item_done_before_the_sprint_started_is_completed_outside_it_and_not_counted():
    before = item("B", 8, **done_on(-1))  # done the day before the start, still in the sprint
    reopened = item(  # done before, reopened on day 3 and done again on day 6: done in it
        "R", 2, **done_on(6, before=(StatusChangeFacts(at(-2), "in_progress", "done"),
                                     StatusChangeFacts(at(3), "done", "in_progress")))
    )  # fmt: skip
    during = item("D", 5, **done_on(4))
    created_done = item("C", 1, created_at=at(-3), status_category="done")  # never moved
    scope = sprint_scope(SPRINT, [before, reopened, during, created_done])
    assert scope.outside_ids == ("B", "C")
    assert scope.completed_ids == ("D", "R")
    assert scope.completed_points == 5 + 2
    assert scope.committed_ids == ("D", "R")
    assert scope.committed_points == 5 + 2
    assert scope.completed_items == 2


def test_say_do_is_completed_over_committed_and_carry_over_is_what_moved_to_the_next_sprint():
    close = SPRINT.closed_at
    carried = item(  # not done at close; Jira moved it into s2 when the sprint was completed
        "M", 3, sprint_ids=("s1", "s2"), sprint_changes=(FieldChangeFacts(close, "s1", "s1,s2"),)
    )
    left_in_backlog = item("L", 2)  # not done, stayed behind
    done = item("D", 5, **done_on(4))
    scope = sprint_scope(SPRINT, [carried, left_in_backlog, done])
    assert scope.committed_points == 10
    assert scope.say_do == 0.5
    assert scope.carried_over_ids == ("M",)
    assert (scope.carry_over_items, scope.carry_over_points) == (1, 3)
    assert sprint_scope(SPRINT, []).say_do is None  # nothing committed


def test_an_item_in_a_later_sprint_before_the_close_is_not_carried_over():
    planned_ahead = item(  # put in s2 on day 8, while s1 ran: not moved at the close
        "P", 3, sprint_ids=("s1", "s2"), sprint_changes=(FieldChangeFacts(at(8), "s1", "s1,s2"),)
    )
    assert sprint_scope(SPRINT, [planned_ahead]).carried_over_ids == ()


def test_burndown_starts_at_the_committed_points_with_an_ideal_line_and_scope_changes_by_day():
    items = [
        item("A", 3, **done_on(2)),
        item("B", 5, sprint_ids=(), sprint_changes=(FieldChangeFacts(at(4), "s1", ""),)),
        item("C", 2, sprint_changes=(FieldChangeFacts(at(3), "", "s1"),)),
        item("N", 1, created_at=at(3.1)),  # created inside the sprint on day 3
    ]
    lines = burndown_lines(SPRINT, items, UTC)
    # The lines carry the scope they are drawn from: sprint_scope over the same items.
    assert lines.scope == sprint_scope(SPRINT, items)
    assert (lines.start_at, lines.committed_points) == (T0, 8)
    assert lines.ideal == ((T0, 8), (SPRINT.end_at, 0.0))
    assert lines.added == {date(2026, 3, 5): 3}
    assert lines.removed == {date(2026, 3, 6): 5}
    assert lines.days[date(2026, 3, 2)] == 8
    assert lines.days[date(2026, 3, 5)] == 5 + 2 + 1  # A done, C and N added
    assert lines.days[date(2026, 3, 6)] == 3  # B removed
