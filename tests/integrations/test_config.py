"""Config and credentials are validated per kind, with a clear message per field."""

import pytest
from rest_framework.exceptions import ValidationError

from integrations.config import clean_config, clean_credentials
from tests.factories import API_HOST


def errors_of(kind: str, config, clean=clean_config) -> dict:
    with pytest.raises(ValidationError) as raised:
        clean(kind, config)
    return raised.value.detail


def messages(detail) -> str:
    return str(detail)


def test_github_config_fills_defaults():
    cleaned = clean_config("github", {"api_url": f"https://{API_HOST}/", "repositories": ["a/b"]})

    assert cleaned == {
        "api_url": f"https://{API_HOST}",
        "repositories": ["a/b"],
        "deployment_source": "deployments",
        "deployment_environments": ["production", "prod"],
        "deployment_workflow_pattern": "",
        "deployment_branch": "",
        "incident_labels": ["incident"],
        "bot_patterns": ["*[bot]"],
    }


@pytest.mark.parametrize(
    ("config", "field", "message"),
    [
        ({"repositories": ["a/b"], "colour": "red"}, "colour", "Unknown key."),
        ({"repositories": ["not-a-repo"]}, "repositories", "owner/name"),
        ({"repositories": ["a/b", 7]}, "repositories", "owner/name"),
        ({"repositories": []}, "repositories", "may not be empty"),
        ({"repositories": "a/b"}, "repositories", "Expected a list"),
        ({"repositories": ["a/b", "a/b"]}, "repositories", "may appear once: a/b"),
        ({}, "repositories", "This field is required."),
        ({"repositories": ["a/b"], "api_url": "not a url"}, "api_url", "Enter a valid URL"),
        ({"repositories": ["a/b"], "api_url": "http://api.github.com"}, "api_url", "https"),
        ({"repositories": ["a/b"], "deployment_source": "ftp"}, "deployment_source", "valid"),
        ({"repositories": ["a/b"], "incident_labels": [1]}, "incident_labels", "Not a valid"),
        (
            {"repositories": ["a/b"], "deployment_source": "workflow_runs"},
            "deployment_workflow_pattern",
            "Required when deployment_source is workflow_runs",
        ),
        (
            {"repositories": ["a/b"], "deployment_workflow_pattern": "deploy("},
            "deployment_workflow_pattern",
            "Not a regular expression AgileTrack can match safely (missing ): deploy(",
        ),
        (
            {"repositories": ["a/b"], "deployment_workflow_pattern": "^(?!test).*deploy"},
            "deployment_workflow_pattern",
            "lookarounds and backreferences are not supported",
        ),
        (
            {"repositories": ["a/b"], "deployment_workflow_pattern": r"(deploy)-\1"},
            "deployment_workflow_pattern",
            "lookarounds and backreferences are not supported",
        ),
        (
            {"repositories": ["a/b"], "deployment_workflow_pattern": "a" * 201},
            "deployment_workflow_pattern",
            "no more than 200 characters",
        ),
    ],
)
def test_github_config_errors_name_the_field(config, field, message):
    config.setdefault("api_url", f"https://{API_HOST}")

    detail = errors_of("github", config)

    assert field in detail
    assert message in messages(detail[field])


def test_all_errors_are_reported_at_once():
    detail = errors_of("github", {"repositories": [], "api_url": 5, "extra": 1})

    assert set(detail) == {"repositories", "api_url", "extra"}


def test_config_must_be_an_object():
    detail = errors_of("github", ["a/b"])

    assert "Expected a dictionary" in messages(detail)


@pytest.mark.parametrize(
    ("config", "field", "message"),
    [
        ({"board_id": "abc"}, "board_id", "A valid integer is required"),
        ({"board_id": 0}, "board_id", "greater than or equal to 1"),
        ({"board_id": None, "project_keys": []}, "project_keys", "board_id or at least one"),
        ({"project_keys": ["eng"]}, "project_keys", "2-10 capital letters"),
        ({"board_id": 1, "story_points_field": "points"}, "story_points_field", "customfield_"),
        (
            {"board_id": 1, "status_mapping": {"In Review": "reviewing"}},
            "status_mapping",
            "not a valid choice",
        ),
        ({"board_id": 1, "site_url": None}, "site_url", "may not be null"),
        ({"board_id": 1, "boards": [1]}, "boards", "Unknown key."),
    ],
)
def test_jira_config_errors_name_the_field(config, field, message):
    config.setdefault("site_url", f"https://{API_HOST}")

    detail = errors_of("jira", config)

    assert field in detail
    assert message in messages(detail[field])


def test_jira_config_accepts_a_numeric_string_board_id_and_project_keys():
    cleaned = clean_config(
        "jira",
        {"site_url": f"https://{API_HOST}", "board_id": "42", "project_keys": ["ENG", "OPS"]},
    )

    assert cleaned["board_id"] == 42
    assert cleaned["project_keys"] == ["ENG", "OPS"]
    assert cleaned["story_points_field"] is None
    assert cleaned["status_mapping"] == {}


@pytest.mark.parametrize(
    ("config", "field", "message"),
    [
        ({"board_ids": []}, "board_ids", "may not be empty"),
        ({"board_ids": ["xyz"]}, "board_ids", "24 hex characters"),
        ({"board_ids": ["abcdefgh", "abcdefgh"]}, "board_ids", "may appear once"),
        ({"board_ids": ["abcdefgh"], "list_mapping": {"Doing": 3}}, "list_mapping", "valid"),
    ],
)
def test_trello_config_errors_name_the_field(config, field, message):
    config.setdefault("api_url", f"https://{API_HOST}/1")

    detail = errors_of("trello", config)

    assert field in detail
    assert message in messages(detail[field])


def test_unknown_kind_is_refused():
    assert "Unknown kind" in messages(errors_of("gitlab", {}))


@pytest.mark.parametrize(
    ("kind", "credentials", "field"),
    [
        ("github", {}, "token"),
        ("github", {"token": 123456}, "token"),
        ("github", {"token": "ghp_x", "password": "hunter2-secret"}, "password"),
        ("jira", {"email": "hunter2-secret", "api_token": "t"}, "email"),
        ("jira", {"email": "a@example.com"}, "api_token"),
        ("trello", {"key": "", "token": "hunter2-secret"}, "key"),
    ],
)
def test_credential_errors_name_the_field_and_never_repeat_the_value(kind, credentials, field):
    detail = errors_of(kind, credentials, clean=clean_credentials)

    assert field in detail
    assert "hunter2-secret" not in messages(detail)
