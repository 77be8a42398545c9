"""docker-compose.yml, Dockerfile, .env.example and Procfile agree with each other and the code.

No Docker engine runs here, so the compose file is checked against the official Compose schema
and for what the schema cannot see.
"""

import copy
import json
import re

import jsonschema
import pytest
import yaml

from tests.conftest import REPO_ROOT, SHARED_DIR

COMPOSE_FILE = REPO_ROOT / "docker-compose.yml"
VARIABLE = re.compile(r"\$\{([A-Z0-9_]+)(?::?[-?][^}]*)?\}")


def documented_variables() -> set[str]:
    lines = (REPO_ROOT / ".env.example").read_text().splitlines()
    return {line.split("=", 1)[0] for line in lines if line and not line.startswith("#")}


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load(COMPOSE_FILE.read_text())


@pytest.fixture(scope="module")
def compose_validator() -> jsonschema.Draft7Validator:
    schema = json.loads((SHARED_DIR / "compose" / "compose-spec.json").read_text())
    return jsonschema.Draft7Validator(schema)


def test_compose_file_validates_against_the_official_schema(compose, compose_validator):
    compose_validator.validate(compose)


def test_the_schema_check_rejects_a_misspelt_compose_key(compose, compose_validator):
    broken = copy.deepcopy(compose)
    broken["services"]["web"]["healthchek"] = broken["services"]["web"].pop("healthcheck")

    assert not compose_validator.is_valid(broken)


def test_compose_has_the_production_services_each_with_a_healthcheck(compose):
    services = compose["services"]

    assert {"postgres", "redis", "web", "worker", "beat"} <= set(services)
    for name in ("postgres", "redis", "web", "worker", "beat"):
        assert services[name]["healthcheck"]["test"], f"{name} has no healthcheck"


def test_compose_depends_on_names_existing_services(compose):
    services = compose["services"]
    for name, service in services.items():
        for target in service.get("depends_on", {}):
            assert target in services, f"{name} depends on unknown service {target}"


def test_worker_and_beat_reuse_the_web_image(compose):
    services = compose["services"]
    image = services["web"]["image"]

    assert services["worker"]["image"] == services["beat"]["image"] == image
    assert services["web"]["command"][0] == "gunicorn"
    assert services["worker"]["command"][:4] == ["celery", "-A", "agiletrack", "worker"]
    assert services["beat"]["command"][:4] == ["celery", "-A", "agiletrack", "beat"]


def test_every_compose_variable_is_documented_in_env_example():
    used = set(VARIABLE.findall(COMPOSE_FILE.read_text()))

    assert used, "the pattern found no ${VAR} at all"
    assert used - documented_variables() == set()


def test_every_setting_read_from_the_environment_is_documented():
    source = (REPO_ROOT / "agiletrack" / "settings.py").read_text()
    read = set(re.findall(r'env\.\w+\(\s*"([A-Z0-9_]+)"', source))

    assert {"DATABASE_URL", "REDIS_URL", "CELERY_BROKER_URL", "DJANGO_SECRET_KEY"} <= read
    assert read - documented_variables() == set()


def test_every_documented_variable_is_used_somewhere():
    places = "".join(
        (REPO_ROOT / name).read_text()
        for name in ("agiletrack/settings.py", "docker-compose.yml", "Procfile")
    )

    unused = {name for name in documented_variables() if name not in places}
    assert unused == set()


def test_dockerfile_installs_the_pinned_requirements_and_collects_static_files():
    dockerfile = (REPO_ROOT / "Dockerfile").read_text()

    assert "pip install -r requirements.txt" in dockerfile
    assert "collectstatic" in dockerfile
    assert "USER agiletrack" in dockerfile
    for line in (REPO_ROOT / "requirements.txt").read_text().splitlines():
        if line and not line.startswith("#"):
            assert re.fullmatch(r"[A-Za-z0-9_.\-\[\]]+==[\w.]+", line), f"not pinned: {line}"
