"""The sandbox's GraphQL schema (sandbox/github_schema.graphql) is a faithful subset of GitHub's.

The sandbox serves only that subset, so a clone without ../shared runs the demo; this test holds
each of its types, fields, arguments, enum values and interfaces against the official schema in
../shared/openapi (octokit's copy of GitHub's public schema).
"""

from __future__ import annotations

import pytest
from graphql import (
    GraphQLEnumType,
    GraphQLInputObjectType,
    GraphQLInterfaceType,
    GraphQLObjectType,
    GraphQLScalarType,
    GraphQLUnionType,
    assert_valid_schema,
    build_schema,
    parse,
    validate,
)

from integrations.providers.github import queries as github
from sandbox.graphql_api import SCHEMA_PATH
from tests.conftest import shared_path


@pytest.fixture(scope="module")
def official():
    path = shared_path("openapi", "github-schema.graphql")
    # octokit's copy repeats fields and deprecates interface fields: it does not validate as SDL.
    return build_schema(path.read_text(), assume_valid_sdl=True, assume_valid=True)


@pytest.fixture(scope="module")
def subset():
    return build_schema(SCHEMA_PATH.read_text())


def subset_problems(subset, official) -> list[str]:
    """Every way the subset is not GitHub's own schema narrowed."""
    problems = []
    for name, ours in subset.type_map.items():
        if name.startswith("__"):
            continue
        theirs = official.type_map.get(name)
        if theirs is None:
            problems.append(f"{name}: not a type of GitHub's schema")
            continue
        if type(ours) is not type(theirs):
            problems.append(f"{name}: {type(ours).__name__}, GitHub's is {type(theirs).__name__}")
            continue
        if isinstance(ours, GraphQLObjectType | GraphQLInterfaceType):
            their_interfaces = {i.name for i in theirs.interfaces}
            for interface in ours.interfaces:
                if interface.name not in their_interfaces:
                    problems.append(f"{name}: GitHub's does not implement {interface.name}")
            for field_name, field in ours.fields.items():
                their_field = theirs.fields.get(field_name)
                if their_field is None:
                    problems.append(f"{name}.{field_name}: no such field")
                    continue
                if str(field.type) != str(their_field.type):
                    problems.append(
                        f"{name}.{field_name}: {field.type}, GitHub's is {their_field.type}"
                    )
                for arg_name, arg in field.args.items():
                    their_arg = their_field.args.get(arg_name)
                    if their_arg is None:
                        problems.append(f"{name}.{field_name}({arg_name}): no such argument")
                    elif str(arg.type) != str(their_arg.type):
                        problems.append(
                            f"{name}.{field_name}({arg_name}): {arg.type}, "
                            f"GitHub's is {their_arg.type}"
                        )
                    elif arg.default_value != their_arg.default_value:
                        problems.append(f"{name}.{field_name}({arg_name}): another default")
                for arg_name, their_arg in their_field.args.items():
                    if str(their_arg.type).endswith("!") and arg_name not in field.args:
                        problems.append(f"{name}.{field_name}: required {arg_name} left out")
        elif isinstance(ours, GraphQLEnumType):
            extra = set(ours.values) - set(theirs.values)
            if extra:
                problems.append(f"{name}: values GitHub lacks: {sorted(extra)}")
        elif isinstance(ours, GraphQLUnionType):
            extra = {t.name for t in ours.types} - {t.name for t in theirs.types}
            if extra:
                problems.append(f"{name}: members GitHub lacks: {sorted(extra)}")
        elif isinstance(ours, GraphQLInputObjectType):
            if {k: str(f.type) for k, f in ours.fields.items()} != {
                k: str(f.type) for k, f in theirs.fields.items()
            }:
                problems.append(f"{name}: input fields differ from GitHub's")
        else:
            assert isinstance(ours, GraphQLScalarType)
    return problems


def test_sandbox_schema_is_valid_sdl_and_small(subset):
    assert_valid_schema(subset)
    # A narrowed subset, not a copy of the official 1.2 MB file.
    assert SCHEMA_PATH.stat().st_size < 20_000
    assert {"Repository", "PullRequest", "Deployment", "RateLimit"} <= set(subset.type_map)


def test_sandbox_schema_is_a_subset_of_githubs(subset, official):
    assert subset_problems(subset, official) == []


def test_subset_check_finds_a_field_or_type_github_lacks(official):
    invented = build_schema(
        "type Query { repository(owner: String!, name: String!): Repository }\n"
        "type Repository { name: String! stars: Int }\n"
        "enum PullRequestState { OPEN MERGED DRAFTED }\n"
        "union PullRequestTimelineItems = Repository | Invented\n"
        "type Invented { id: ID! }\n"
    )
    problems = subset_problems(invented, official)
    assert "Repository.stars: no such field" in problems
    assert "PullRequestState: values GitHub lacks: ['DRAFTED']" in problems
    assert "Invented: not a type of GitHub's schema" in problems
    assert "PullRequestTimelineItems: members GitHub lacks: ['Invented', 'Repository']" in problems
    # Leaving out an optional argument (repository's followRenames) narrows, it does not differ.
    assert not [p for p in problems if p.startswith("Query.")]


@pytest.mark.parametrize(
    "query",
    [github.PULLS_QUERY, github.TIMELINE_QUERY, github.COMMITS_QUERY, github.DEPLOYMENTS_QUERY],
    ids=["pulls", "timeline", "commits", "deployments"],
)
def test_every_query_the_provider_sends_validates_against_the_subset(subset, official, query):
    document = parse(query)
    assert validate(subset, document) == []
    assert validate(official, document) == []
