"""Failed deployment recovery: each failed production deployment recovers at the first successful
one of its own repository finished strictly after it, over many repositories and equal times."""

from datetime import UTC, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from metrics.calculations.dora import deployment_recoveries
from metrics.calculations.facts import DeploymentFacts

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def deployed(dep_id: str, repository: str, minute: int, status: str = "success"):
    at = T0 + timedelta(minutes=minute)
    return DeploymentFacts(dep_id, status, at - timedelta(minutes=5), at, repository=repository)


def test_a_failure_recovers_at_the_next_success_of_its_own_repository():
    deployments = [
        deployed("a1", "acme/api", 0, "failure"),
        deployed("w1", "acme/web", 5),  # another repository: no fix for a1
        deployed("a2", "acme/api", 10),  # a1's fix
        deployed("a3", "acme/api", 20, "failure"),
        deployed("a4", "acme/api", 20),  # finished at the same minute: not after a3
        deployed("w2", "acme/web", 30, "failure"),  # never recovered
        deployed("a5", "acme/api", 40),  # a3's fix
    ]
    found = deployment_recoveries(deployments, [])
    assert spans(found) == [
        (T0, T0 + timedelta(minutes=10)),
        (T0 + timedelta(minutes=20), T0 + timedelta(minutes=40)),
    ]
    assert [(r.deployment_id, r.fixed_by) for r in found] == [("a1", "a2"), ("a3", "a5")]


def spans(recoveries) -> list[tuple[datetime, datetime]]:
    return [(r.failed_at, r.recovered_at) for r in recoveries]


def one_by_one(deployments: list[DeploymentFacts]) -> list[tuple[datetime, datetime]]:
    """The rule read literally: for each failure, every later success of its repository."""
    found = []
    for failed in deployments:
        if failed.status != "failure":
            continue
        fixes = [
            d
            for d in deployments
            if d.status == "success" and d.repository == failed.repository and d.at > failed.at
        ]
        if fixes:
            found.append((failed.at, min(fixes, key=lambda d: (d.at, d.id)).at))
    return found


@given(
    st.lists(
        st.tuples(
            st.sampled_from(["acme/api", "acme/web", "acme/ops"]),
            st.integers(0, 30),
            st.sampled_from(["success", "failure"]),
        ),
        max_size=30,
    )
)
@settings(max_examples=200, deadline=None)
def test_property_recoveries_match_the_rule_read_one_failure_at_a_time(rows):
    deployments = [deployed(f"d{i}", *row) for i, row in enumerate(rows)]
    assert spans(deployment_recoveries(deployments, [])) == one_by_one(deployments)
