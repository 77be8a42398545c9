"""Issue 19 point 8: Trello list names placed by whole words, and archived cards off the board."""

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

from integrations.providers.registry import reading
from integrations.providers.trello.parse import category_for, guess_category, parse_card
from metrics import calculations as calc

DOING, DONE = "609402807c6be98b8289c560", "609402807c6be98b8289c561"
LISTS = {DOING: "Doing", DONE: "Done"}
CARD_ID = "60940be5986d6c0bca3637d6"


@pytest.mark.parametrize(
    ("name", "category"),
    [
        ("Not done yet", "todo"),
        ("Undone", "todo"),
        ("Things to be done", "todo"),
        ("Preview env", None),  # "review" inside "Preview" is no word of it
        ("Code review", "in_progress"),
        ("In Progress", "in_progress"),
        ("Done #2", "done"),
        ("To Do", "todo"),
        ("Sprint 42 ideas", "todo"),
        ("Waiting on legal", None),
    ],
)
def test_list_names_are_placed_by_whole_words(name, category):
    assert guess_category(name) == category


def test_a_list_the_guess_cannot_place_counts_as_to_do_and_is_shown_for_mapping():
    read = reading("trello", {"list_mapping": {"Legal": "in_progress"}})
    assert category_for("Preview env") == "todo"
    assert read.unplaced("Preview env", "")
    assert not read.unplaced("Legal", "")  # mapped by the user
    assert not read.unplaced("Doing", "in_progress")


def card(list_id: str, *, closed: bool) -> dict:
    return {
        "id": CARD_ID,
        "idShort": 1,
        "shortLink": "p51YToTZ",
        "name": "hi12",
        "idList": list_id,
        "idBoard": "609402807c6be98b8289c55e",
        "closed": closed,
        "dateLastActivity": "2021-05-12T10:00:00.000Z",
    }


def move_into(list_id: str, at: str) -> dict:
    return {
        "id": "6094f1000000000000000001",
        "type": "updateCard",
        "date": at,
        "data": {
            "card": {"id": CARD_ID, "idList": list_id},
            "listBefore": {"id": "609402807c6be98b8289c55f", "name": "To Do"},
            "listAfter": {"id": list_id, "name": LISTS[list_id]},
            "old": {"idList": "609402807c6be98b8289c55f"},
        },
    }


ARCHIVE = {
    "id": "6094f1000000000000000002",
    "type": "updateCard",
    "date": "2021-05-10T09:00:00.000Z",
    "data": {"card": {"id": CARD_ID, "closed": True}, "old": {"closed": False}},
    "memberCreator": {"username": "ana"},
}


def test_a_card_archived_in_progress_leaves_the_board_when_archived():
    actions = [move_into(DOING, "2021-05-07T08:00:00.000Z"), ARCHIVE]
    item = parse_card(card(DOING, closed=True), lists=LISTS, actions=actions)

    assert item.status_category == "archived"
    assert [(c.to_category, c.changed_at) for c in item.changes] == [
        ("in_progress", datetime(2021, 5, 7, 8, tzinfo=UTC)),
        ("archived", datetime(2021, 5, 10, 9, tzinfo=UTC)),
    ]


def test_without_the_archive_action_the_last_activity_dates_it():
    item = parse_card(card(DOING, closed=True), lists=LISTS, actions=[])
    assert item.changes[-1].to_category == "archived"
    assert item.changes[-1].changed_at == datetime(2021, 5, 12, 10, tzinfo=UTC)


def test_a_card_archived_from_done_stays_done():
    actions = [move_into(DONE, "2021-05-07T08:00:00.000Z"), ARCHIVE]
    item = parse_card(card(DONE, closed=True), lists=LISTS, actions=actions)
    assert item.status_category == "done"
    assert item.resolved_at == datetime(2021, 5, 7, 8, tzinfo=UTC)
    assert [c.to_category for c in item.changes] == ["done"]


def test_an_archived_card_leaves_wip_aging_and_the_flow_at_its_archive_time():
    created = datetime(2021, 5, 6, 12, tzinfo=UTC)
    facts = calc.WorkItemFacts(
        "card",
        created,
        calc.ARCHIVED,
        status_changes=(
            calc.StatusChangeFacts(datetime(2021, 5, 7, 8, tzinfo=UTC), "todo", "in_progress"),
            calc.StatusChangeFacts(datetime(2021, 5, 10, 9, tzinfo=UTC), "in_progress", "archived"),
        ),
    )
    assert calc.work_in_progress([facts], datetime(2021, 5, 10, 8, tzinfo=UTC)) == ["card"]
    assert calc.work_in_progress([facts], datetime(2021, 5, 10, 10, tzinfo=UTC)) == []
    assert calc.aging_work_in_progress([facts], datetime(2021, 5, 11, tzinfo=UTC)) == {}
    flow = calc.cumulative_flow(
        [facts], created, datetime(2021, 5, 11, tzinfo=UTC), ZoneInfo("UTC")
    )
    assert flow[date(2021, 5, 9)] == {"todo": 0, "in_progress": 1, "done": 0}
    assert flow[date(2021, 5, 10)] == {"todo": 0, "in_progress": 0, "done": 0}
