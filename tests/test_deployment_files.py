"""docker-compose.yml, Dockerfile, .env.example and Procfile agree with each other and the code.

No Docker engine runs here, so the compose file is checked against the official Compose schema
and for what the schema cannot see.
"""

import copy
import json
import re
import subprocess

import jsonschema
import pytest
import yaml

from tests.conftest import REPO_ROOT, SHARED_DIR, clean_env

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
    source = "".join(
        (REPO_ROOT / "agiletrack" / name).read_text() for name in ("settings.py", "env_values.py")
    )
    # env.str("NAME", ...) and env_values.seconds(env, "NAME"), as settings.py reads them.
    read = set(re.findall(r'env(?:_values)?\.\w+\(\s*(?:env,\s*)?"([A-Z0-9_]+)"', source))

    assert {
        "DATABASE_URL", "REDIS_URL", "CELERY_BROKER_URL", "DJANGO_SECRET_KEY",
        "DATABASE_CONN_MAX_AGE", "AGILETRACK_METRICS_READ_THREADS",
    } <= read  # fmt: skip
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


def test_compose_publishes_the_web_port_on_loopback_by_default(compose):
    ports = compose["services"]["web"]["ports"]

    assert ports == ["${AGILETRACK_BIND:-127.0.0.1}:${AGILETRACK_PORT:-8000}:8000"]
    for service in ("postgres", "redis", "worker", "beat"):
        assert "ports" not in compose["services"][service], service


def test_the_production_image_leaves_the_sandbox_out():
    ignored = (REPO_ROOT / ".dockerignore").read_text().split()
    dockerfile = (REPO_ROOT / "Dockerfile").read_text()

    assert "sandbox" in ignored and "bench" in ignored  # bench starts the sandbox
    assert "COPY . ." in dockerfile  # everything else, so .dockerignore decides


# The product without the sandbox package, as in the image: `import sandbox` fails.
WITHOUT_SANDBOX = """
import sys
sys.modules["sandbox"] = None
import django
django.setup()
from django.core.management import call_command
from django.core.management.base import CommandError
import agiletrack.urls, integrations.tasks, agiletrack.tasks
call_command("check")
try:
    call_command("seed_demo")
except CommandError as exc:
    print("seed_demo:", exc)
"""


def test_the_product_runs_without_the_sandbox_package(python, tmp_path):
    completed = subprocess.run(
        [python, "-c", WITHOUT_SANDBOX],
        cwd=REPO_ROOT,
        env=clean_env(
            DJANGO_SETTINGS_MODULE="agiletrack.settings", AGILETRACK_VAR_DIR=str(tmp_path)
        ),
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert completed.returncode == 0, completed.stderr
    assert "seed_demo: The demo reads the bundled sandbox" in completed.stdout
