"""The JQL the sandbox's Jira search understands: clauses joined by AND / OR / NOT, parenthesised
groups, `in` lists, `is EMPTY`, absolute and relative dates (`-3650d`, `"-1w 2d"`), and ORDER BY.

Relative dates count from the sandbox's clock (`org.now`), as Jira Cloud counts them from the
current time. Errors carry Jira Cloud's wording; the endpoints answer them with a 400.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from .model import JIRA_STATUSES, JiraIssue
from .timefmt import parse_iso

Test = Callable[[JiraIssue], bool]
SortKey = tuple[Callable[[JiraIssue], object], bool]

ORDER_FIELDS: dict[str, Callable[[JiraIssue], object]] = {
    "created": lambda i: i.created,
    "updated": lambda i: i.updated,
    "key": lambda i: (i.project, int(i.key.split("-")[1])),
    "rank": lambda i: i.id,
    "id": lambda i: i.id,
    "resolutiondate": lambda i: i.resolution_date or 0,
}
KEYWORDS = {"and", "or", "not", "in", "is", "order", "by", "empty", "null"}
# Units of a relative date, in seconds (Jira: weeks, days, hours, minutes).
UNITS = {"w": 7 * 86400, "d": 86400, "h": 3600, "m": 60}
RELATIVE = re.compile(r"([+-]?)\s*((?:\d+\s*[wdhm]\s*)+)")
TOKEN = re.compile(
    r"""\s*(?:
        (?P<string>"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*')
      | (?P<op>>=|<=|!=|!~|=|>|<|~)
      | (?P<punct>[(),])
      | (?P<word>[^\s(),"'=<>!~]+(?:\(\s*\))?)
    )""",
    re.VERBOSE,
)


class JqlError(Exception):
    """A query Jira Cloud would refuse; the message is Jira's wording."""


@dataclass(frozen=True)
class Token:
    kind: str  # string | op | punct | word | end
    text: str

    def keyword(self, *words: str) -> bool:
        return self.kind == "word" and self.text.lower() in words


def tokenize(jql: str) -> list[Token]:
    """The query's tokens, ending with an `end` token."""
    tokens, position = [], 0
    text = jql.rstrip()
    while position < len(text):
        match = TOKEN.match(text, position)
        if match is None or match.end() == position:
            raise JqlError(
                f"Error in the JQL Query: The character '{text[position:].strip()[:1]}' is a "
                f"reserved JQL character. (line 1, character {position + 1})"
            )
        kind = match.lastgroup or "word"
        value = match.group(kind)
        if kind == "string":
            value = re.sub(r"\\(.)", r"\1", value[1:-1])
        tokens.append(Token(kind, value))
        position = match.end()
    tokens.append(Token("end", ""))
    return tokens


def jql_time(value: str, now: int) -> int:
    """Epoch seconds of a JQL date: epoch millis, yyyy-MM-dd [HH:mm], or relative to `now`."""
    value = value.strip()
    if re.fullmatch(r"-?\d{10,}", value):
        return int(value) // 1000  # an unquoted number is milliseconds since the epoch
    if value.lower() == "now()":
        return now
    relative = RELATIVE.fullmatch(value)
    if relative:
        seconds = sum(
            int(amount) * UNITS[unit]
            for amount, unit in re.findall(r"(\d+)\s*([wdhm])", relative.group(2))
        )
        return now - seconds if relative.group(1) == "-" else now + seconds
    absolute = value.replace("/", "-")
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}( \d{2}:\d{2})?", absolute):
        return parse_iso(absolute.replace(" ", "T") + (":00Z" if " " in absolute else ""))
    raise ValueError(value)


class Parser:
    """Recursive descent over the tokens: or-expression, and-expression, not, group, clause."""

    def __init__(self, jql: str, org) -> None:
        self.tokens = tokenize(jql)
        self.position = 0
        self.org = org

    @property
    def token(self) -> Token:
        return self.tokens[self.position]

    def take(self) -> Token:
        token = self.token
        self.position += 1
        return token

    def expect_close(self) -> None:
        if self.token.kind == "punct" and self.token.text == ")":
            self.take()
            return
        where = "the end of the query" if self.token.kind == "end" else f"'{self.token.text}'"
        raise JqlError(f"Error in the JQL Query: Expecting ')' before {where}.")

    def query(self) -> tuple[Test | None, list[SortKey]]:
        test = None
        if not self.token.keyword("order") and self.token.kind != "end":
            test = self.or_expression()
        order = [("created", False)]
        if self.token.keyword("order"):
            self.take()
            if not self.token.keyword("by"):
                raise JqlError("Error in the JQL Query: Expecting 'by' after 'order'.")
            self.take()
            order = self.order_list()
        if self.token.kind != "end":
            raise JqlError(
                f"Error in the JQL Query: Expecting either 'OR' or 'AND' but got "
                f"'{self.token.text}'."
            )
        return test, [(ORDER_FIELDS[name], desc) for name, desc in order]

    def order_list(self) -> list[tuple[str, bool]]:
        order = []
        while True:
            name = self.take()
            if name.kind not in ("word", "string") or name.text.lower() not in ORDER_FIELDS:
                raise JqlError(f"Not able to sort using field '{name.text}'.")
            desc = False
            if self.token.keyword("asc", "desc"):
                desc = self.take().text.lower() == "desc"
            order.append((name.text.lower(), desc))
            if not (self.token.kind == "punct" and self.token.text == ","):
                return order
            self.take()

    def or_expression(self) -> Test:
        tests = [self.and_expression()]
        while self.token.keyword("or"):
            self.take()
            tests.append(self.and_expression())
        return tests[0] if len(tests) == 1 else (lambda i: any(t(i) for t in tests))

    def and_expression(self) -> Test:
        tests = [self.factor()]
        while self.token.keyword("and"):
            self.take()
            tests.append(self.factor())
        return tests[0] if len(tests) == 1 else (lambda i: all(t(i) for t in tests))

    def factor(self) -> Test:
        if self.token.keyword("not"):
            self.take()
            inner = self.factor()
            return lambda i: not inner(i)
        if self.token.kind == "punct" and self.token.text == "(":
            self.take()
            inner = self.or_expression()
            self.expect_close()
            return inner
        return self.clause()

    def clause(self) -> Test:
        field_token = self.take()
        if field_token.kind not in ("word", "string") or field_token.keyword(*KEYWORDS):
            where = "the end of the query" if field_token.kind == "end" else field_token.text
            raise JqlError(f"Error in the JQL Query: Expecting a field name but got '{where}'.")
        field_name = field_token.text.lower()
        op = self.operator(field_name)
        if op in ("is", "is not"):
            if not self.take().keyword("empty", "null"):
                raise JqlError(
                    f"Error in the JQL Query: Expecting 'EMPTY' after '{field_name} {op}'."
                )
            return empty_test(field_name, op == "is not")
        values = self.value_list() if op in ("in", "not in") else [self.value()]
        return clause_test(field_name, op, values, self.org)

    def operator(self, field_name: str) -> str:
        token = self.take()
        if token.kind == "op":
            return token.text
        if token.keyword("in"):
            return "in"
        if token.keyword("not") and self.token.keyword("in"):
            self.take()
            return "not in"
        if token.keyword("is"):
            if self.token.keyword("not"):
                self.take()
                return "is not"
            return "is"
        raise JqlError(
            f"Error in the JQL Query: Expecting operator but got '{token.text}' "
            f"after the field '{field_name}'."
        )

    def value(self) -> str:
        token = self.take()
        if token.kind in ("string", "word") and not token.keyword("and", "or", "order"):
            return token.text
        where = "the end of the query" if token.kind == "end" else f"'{token.text}'"
        raise JqlError(f"Error in the JQL Query: Expecting a value but got {where}.")

    def value_list(self) -> list[str]:
        if not (self.token.kind == "punct" and self.token.text == "("):
            return [self.value()]
        self.take()
        values = [self.value()]
        while self.token.kind == "punct" and self.token.text == ",":
            self.take()
            values.append(self.value())
        self.expect_close()
        return values


def compile_jql(jql: str, org) -> tuple[list[Test], list[SortKey]]:
    """(tests every matching issue passes, sort keys) for a JQL query; raises JqlError."""
    test, keys = Parser(jql, org).query()
    if test is None:
        raise JqlError(
            "Unbounded JQL queries are not allowed here. "
            "Please add a search restriction to your query."
        )
    return [test], keys


DATE_FIELDS = {
    "updated": "updated",
    "created": "created",
    "resolved": "resolution_date",
    "resolutiondate": "resolution_date",
}


def empty_test(field_name: str, negate: bool) -> Test:
    if field_name not in DATE_FIELDS and field_name != "sprint":
        raise JqlError(f"Field '{field_name}' does not support searching for EMPTY values.")
    if field_name == "sprint":
        return lambda i: (not i.sprint_ids) != negate
    attr = DATE_FIELDS[field_name]
    return lambda i: (getattr(i, attr) is None) != negate


def clause_test(field_name: str, op: str, values: list[str], org) -> Test:
    """The test of one `field op value(s)` clause."""
    negate = op in ("!=", "not in")
    if field_name == "project":
        by_id = {str(pid): key for key, pid in org.projects.items()}
        wanted = {by_id.get(v, v.upper()) for v in values}
        unknown = wanted - set(org.projects)
        if unknown and not negate:
            raise JqlError(
                f"The value '{sorted(unknown)[0]}' does not exist for the field 'project'."
            )
        return lambda i: (i.project in wanted) != negate
    if field_name == "filter":
        # A board's saved filter (id 10000 + board id, as /configuration says) is its project.
        by_filter = {str(10000 + b.id): b.project for b in org.boards.values()}
        unknown_filters = [v for v in values if v not in by_filter]
        if unknown_filters and not negate:
            raise JqlError(
                f"The value '{unknown_filters[0]}' does not exist for the field 'filter'."
            )
        in_filter = {by_filter[v] for v in values if v in by_filter}
        return lambda i: (i.project in in_filter) != negate
    if field_name in ("key", "issuekey", "id"):
        wanted = {v.upper() for v in values}
        return lambda i: (i.key in wanted or str(i.id) in wanted) != negate
    if field_name in DATE_FIELDS:
        return date_test(field_name, op, values[0], org.now)
    if field_name == "sprint":
        if [v.lower() for v in values] == ["opensprints()"]:
            open_ids = {s.id for s in org.sprints.values() if s.state == "active"}
            return lambda i: bool(set(i.sprint_ids[-1:]) & open_ids) != negate
        wanted_ids = {int(v) for v in values if v.isdigit()}
        wanted_ids |= {s.id for s in org.sprints.values() if s.name in values}
        return lambda i: bool(set(i.sprint_ids) & wanted_ids) != negate
    if field_name == "status":
        lowered = {v.lower() for v in values}
        return lambda i: (
            (JIRA_STATUSES[i.status][0].lower() in lowered or i.status in lowered) != negate
        )
    if field_name in ("issuetype", "type"):
        lowered = {v.lower() for v in values}
        return lambda i: (i.issue_type.lower() in lowered) != negate
    if field_name == "statuscategory":
        lowered = {v.lower() for v in values}
        return lambda i: (
            (JIRA_STATUSES[i.status][3].lower() in lowered or JIRA_STATUSES[i.status][2] in lowered)
            != negate
        )
    raise JqlError(f"Field '{field_name}' does not exist or you do not have permission to view it.")


def date_test(field_name: str, op: str, value: str, now: int) -> Test:
    try:
        bound = jql_time(value, now)
    except ValueError as exc:
        raise JqlError(f"Date value '{value}' for field '{field_name}' is invalid.") from exc
    compare: Callable[[int], bool] | None = {
        ">=": lambda a: a >= bound,
        ">": lambda a: a > bound,
        "<=": lambda a: a <= bound,
        "<": lambda a: a < bound,
        "=": lambda a: a == bound,
        "!=": lambda a: a != bound,
    }.get(op)
    if compare is None:
        raise JqlError(f"Operator '{op}' is not supported for '{field_name}'.")
    attr = DATE_FIELDS[field_name]
    return lambda i: getattr(i, attr) is not None and compare(getattr(i, attr))
