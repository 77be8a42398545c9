"""The pull request table's indexes, each written for the reads that use it (PullRequest.Meta).

The reads name one integration where they can (MetricScope.integrations_with): an index that
starts with the integration then gives its rows in the order of the next columns, so a page of a
list sorted by them, or the first few of a ranking, is read without sorting the team's year.
"""

from __future__ import annotations

from copy import copy
from datetime import UTC, datetime

from django.db import models
from django.db.models import F, OrderBy, Value
from django.db.models.functions import Coalesce

# When a pull request not merged (yet) counts as merged, in the open pull requests' index: after
# any moment a metric asks about.
NOT_MERGED = datetime(9999, 12, 31, tzinfo=UTC)


class ListIndex(models.Index):
    """An index that may give a column newest first with its empty values last (`DESC NULLS
    LAST`): the order of a list sorted newest first (metrics.list_pages.Order), read forward for
    its first page and backward for its last. SQLite accepts no NULLS clause in an index, and in
    descending order already puts NULL after every value: there the clause is left out."""

    def create_sql(self, model, schema_editor, using="", **kwargs):
        if schema_editor.connection.vendor != "sqlite":
            return super().create_sql(model, schema_editor, using=using, **kwargs)
        plain = copy(self)
        plain.expressions = tuple(_sqlite_order(expression) for expression in self.expressions)
        return super(ListIndex, plain).create_sql(model, schema_editor, using=using, **kwargs)


def _sqlite_order(expression):
    if not isinstance(expression, OrderBy) or not (expression.nulls_last or expression.nulls_first):
        return expression
    if bool(expression.nulls_last) != expression.descending:
        raise ValueError("SQLite can index NULLS LAST only descending, NULLS FIRST ascending")
    return OrderBy(expression.expression, descending=expression.descending)


PULL_REQUEST_INDEXES = [
    models.Index(fields=["integration", "repository", "number"]),
    # The merged pull requests' stage times, size and counts (the pull request family, the
    # overview's charts) are read from the index alone (PostgreSQL); the pull request page's
    # default list (merged newest first, then the highest id) is its order.
    ListIndex(
        F("integration"),
        F("merged_at").desc(nulls_last=True),
        F("id").desc(),
        include=[
            "author_is_bot",
            "coding_time_minutes",
            "pickup_time_minutes",
            "review_time_minutes",
            "deploy_time_minutes",
            "cycle_time_minutes",
            "additions",
            "deletions",
            "reviewed_before_merge",
            # What the lists filter on besides merged_at: a list read in this order from its
            # far end checks them in the index, not in the table.
            "created_at",
            "closed_at",
            "deployed_at",
        ],
        name="metrics_pr_merged_idx",
    ),
    models.Index(fields=["integration", "created_at"]),
    # The pull request page's slowest merged ones: longest cycle time first, read from the index
    # alone until five merged in the window are found.
    models.Index(
        fields=["integration", "-cycle_time_minutes", "-id"],
        include=["merged_at", "author_is_bot"],
        name="metrics_pr_slowest_idx",
    ),
    # The pull request page's oldest open ones: the open human non-draft pull requests of every
    # team in order of opening, walked until five of the scope's are found.
    models.Index(
        fields=["created_at"],
        condition=models.Q(state="open", is_draft=False, author_is_bot=False),
        name="metrics_pr_open_idx",
    ),
    # Open pull request age: the pull requests open at a moment, read as one range of this index
    # (not yet merged counts as merged at NOT_MERGED), from the index alone.
    models.Index(
        F("integration"),
        Coalesce("merged_at", Value(NOT_MERGED)),
        include=["merged_at", "created_at", "closed_at", "is_draft", "author_is_bot"],
        name="metrics_pr_open_age_idx",
    ),
    # Lead time for changes reads pull requests by when their deployment finished, from the index
    # alone.
    models.Index(
        fields=["integration", "deployed_at"],
        include=["author_is_bot", "cycle_time_minutes"],
        name="metrics_pr_deployed_idx",
    ),
]
