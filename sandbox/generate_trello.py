"""Generates the organisation's Trello boards, one seeded generator per board.

Five lists per board, cards, and the board actions (create, then moves between lists) that a
card's history is read from.
"""

# Seeded generators and hashes here make stable fake data and ids, not secrets.
# ruff: noqa: S311, S324

from __future__ import annotations

import hashlib
import random

from .model import (
    DAY,
    DEVELOPERS,
    JIRA_SUMMARIES,
    TRELLO_BOARDS,
    Scale,
    TrelloAction,
    TrelloBoard,
    TrelloCard,
    TrelloList,
    TrelloMember,
)
from .timefmt import object_id

LIST_NAMES = ["Backlog", "To Do", "Doing", "Review", "Done"]


def trello_records(seed: int, scale: Scale, start: int, now: int) -> dict:
    """The Organisation's Trello fields: the token's member, the team members and the boards."""
    trello_members = [
        TrelloMember(object_id(start - 500 * DAY, "member", login), login.replace("-", ""), name)
        for login, name in DEVELOPERS
    ]
    trello_me = TrelloMember(object_id(start - 600 * DAY, "me"), "agiletracksandbox", "Sandbox")
    trello_boards = {}
    for index in range(scale.boards):
        name = TRELLO_BOARDS[index]
        board = _trello_board(
            random.Random(f"{seed}:trello:{name}"),
            name=name,
            index=index,
            members=trello_members,
            cards=scale.cards_per_board,
            span=(start, now),
        )
        trello_boards[board.id] = board
    return {
        "trello_me": trello_me,
        "trello_members": trello_members,
        "trello_boards": trello_boards,
    }


def _trello_board(rng, *, name, index, members, cards, span) -> TrelloBoard:
    start, now = span
    created = start - 30 * DAY + index * 3600
    board_id = object_id(created, "board", name)
    lists = [
        TrelloList(object_id(created + k, "list", name, n), n, 16384 * (k + 1))
        for k, n in enumerate(LIST_NAMES)
    ]
    made, actions = [], []
    for i in range(cards):
        t = start + int((i + rng.random()) * (now - start) / cards)
        member = rng.choice(members)
        card_id = object_id(t, "card", name, i)
        pos = 0 if rng.random() < 0.5 else 1
        card = TrelloCard(
            id=card_id,
            id_short=i + 1,
            name=f"{rng.choice(JIRA_SUMMARIES)} (card {i + 1})",
            short_link=hashlib.md5(card_id.encode()).hexdigest()[:8],
            list=lists[pos],
            created=t,
            last_activity=t,
            labels=[rng.choice(["Task", "Bug", "Feature"])],
            members=[member],
        )
        actions.append(
            TrelloAction(
                object_id(t, "act", card_id, 0), "createCard", t, member, card_id, None, lists[pos]
            )
        )
        actions += _moves(rng, card, member, lists, t, now)
        made.append(card)
    actions.sort(key=lambda a: a.id)
    short = hashlib.md5(board_id.encode()).hexdigest()[:8]
    return TrelloBoard(board_id, name, short, created, lists, made, actions)


def _moves(rng, card: TrelloCard, member, lists, t: int, now: int) -> list[TrelloAction]:
    """The card moving right one list at a time (sometimes back and forth), until 'now'."""
    pos = lists.index(card.list)
    path = list(range(pos + 1, len(lists)))
    if rng.random() < 0.12:
        path = [pos + 1, 2, 3, 2, 3, 4] if pos == 0 else [2, 3, 2, 3, 4]
    moves = []
    for k, target in enumerate(path, start=1):
        t += int(rng.uniform(0.2, 5) * DAY)
        if t >= now:
            break
        moves.append(
            TrelloAction(
                object_id(t, "act", card.id, k),
                "updateCard",
                t,
                member,
                card.id,
                card.list,
                lists[target],
            )
        )
        card.list = lists[target]
        card.last_activity = t
    return moves
