"""Review load reads a flag stored per review (Review.counts_for_load): ingest sets it by
calculations.counts_in_review_load, and the migration that added it marks stored reviews the
same way."""

from datetime import date, timedelta
from importlib import import_module

from django.apps import apps

from integrations.providers import records
from metrics import selectors
from metrics.ingest import ingest
from metrics.models import Review
from metrics.scope import metric_scope
from tests.factories import TeamFactory, make_integration
from tests.metrics.test_ingest import T0, pull_request


def review(external_id, number, reviewer, *, bot=False, reply=False, days=1):
    return records.Review(
        external_id, "acme/web", number, reviewer, bot, "COMMENTED", T0 + timedelta(days), reply
    )


def stored_flags():
    return dict(Review.objects.values_list("external_id", "counts_for_load"))


def test_only_human_reviews_of_other_humans_pull_requests_count_and_the_migration_agrees(db):
    team = TeamFactory()
    integration = make_integration(team)
    ingest(
        integration,
        [
            pull_request(
                1,
                reviews=(
                    review("counted", 1, "bo"),
                    review("again", 1, "bo", days=2),
                    review("own", 1, "ana"),
                    review("bot", 1, "ci[bot]", bot=True),
                    review("reply", 1, "cy", reply=True),
                ),
            ),
            pull_request(
                2,
                author="deps[bot]",
                author_is_bot=True,
                reviews=(review("of-a-bot", 2, "bo"),),
            ),
            pull_request(3, author="cy", reviews=(review("other", 3, "bo"),)),
        ],
    )
    expected = {
        "counted": True,
        "again": True,
        "own": False,
        "bot": False,
        "reply": False,
        "of-a-bot": False,
        "other": True,
    }
    assert stored_flags() == expected

    # bo: three counted reviews on two pull requests; nobody else counts.
    scope = metric_scope(team, since=date(2026, 1, 1), until=date(2026, 12, 31))
    load = selectors.pull_request_metrics(scope)["review_load"]
    assert load == [{"reviewer": "bo", "reviews": 3, "pull_requests": 2}]

    Review.objects.update(counts_for_load=False)
    import_module("metrics.migrations.0020_review_counts_for_load").fill(apps, None)
    assert stored_flags() == expected
