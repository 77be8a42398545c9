"""Settings are chosen by the environment: embedded by default, real services when configured."""

import json
import secrets
import subprocess

import pytest
from celery.utils.imports import symbol_by_name
from cryptography.fernet import Fernet
from django.conf import settings
from django_celery_beat.schedulers import DatabaseScheduler

from agiletrack.celery import app as celery_app
from tests.conftest import REPO_ROOT, clean_env, manage_check

# Prints the settings a process would run with, as JSON.
DUMP_SETTINGS = """
import json, django
from django.conf import settings
django.setup()
from agiletrack.celery import app
db = settings.DATABASES["default"]
print(json.dumps({
    "engine": db["ENGINE"], "name": str(db["NAME"]), "host": db.get("HOST", ""),
    "options": db.get("OPTIONS", {}),
    "cache": settings.CACHES["default"]["BACKEND"],
    "cache_location": settings.CACHES["default"].get("LOCATION"),
    "broker": app.conf.broker_url,
    "transport_options": app.conf.broker_transport_options,
    "result_backend": app.conf.result_backend,
    "debug": settings.DEBUG,
}))
"""


def run_python(python: str, code: str, *args: str, **env: str) -> str:
    """What `code` prints in a fresh process with the given environment (settings module set)."""
    env.setdefault("DJANGO_SETTINGS_MODULE", "agiletrack.settings")
    completed = subprocess.run(
        [python, "-c", code, *args],
        cwd=REPO_ROOT,
        env=clean_env(**env),
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return completed.stdout


def dump_settings(python: str, **env: str) -> dict:
    return json.loads(run_python(python, DUMP_SETTINGS, **env))


def test_embedded_defaults_need_no_server(python, tmp_path):
    dumped = dump_settings(python, AGILETRACK_VAR_DIR=str(tmp_path))

    assert dumped["engine"] == "django.db.backends.sqlite3"
    assert dumped["name"] == str(tmp_path / "agiletrack.sqlite3")
    assert dumped["options"]["transaction_mode"] == "IMMEDIATE"
    assert "journal_mode=WAL" in dumped["options"]["init_command"]
    assert dumped["broker"] == f"sqla+sqlite:///{tmp_path / 'celery-broker.sqlite3'}"
    assert dumped["cache"] == "django.core.cache.backends.db.DatabaseCache"
    assert dumped["result_backend"] == "django-db"
    assert dumped["debug"] is False
    # A secret key was generated under var/, readable only by its owner.
    assert (tmp_path / "secret_key").stat().st_mode & 0o777 == 0o600


def test_database_and_redis_urls_switch_to_real_services(python, tmp_path):
    dumped = dump_settings(
        python,
        AGILETRACK_VAR_DIR=str(tmp_path),
        DATABASE_URL="postgres://agiletrack:pw@db.internal:5432/agiletrack",
        REDIS_URL="redis://cache.internal:6379/0",
    )

    assert dumped["engine"] == "django.db.backends.postgresql"
    assert dumped["name"] == "agiletrack"
    assert dumped["host"] == "db.internal"
    assert dumped["broker"] == "redis://cache.internal:6379/0"
    assert dumped["cache"] == "agiletrack.redis_cache.RedisCache"
    assert dumped["cache_location"] == "redis://cache.internal:6379/0"
    assert dumped["transport_options"]["visibility_timeout"] == 7200


def test_celery_broker_url_overrides_redis_url_for_the_broker_only(python, tmp_path):
    dumped = dump_settings(
        python,
        AGILETRACK_VAR_DIR=str(tmp_path),
        REDIS_URL="redis://cache.internal:6379/0",
        CELERY_BROKER_URL="redis://broker.internal:6379/1",
    )

    assert dumped["broker"] == "redis://broker.internal:6379/1"
    assert dumped["cache_location"] == "redis://cache.internal:6379/0"


@pytest.mark.parametrize(
    "url",
    ["mysql://agiletrack:hunter2-secret@db/agiletrack", "hunter2-secret", "postgres://h:5432/"],
)
def test_bad_database_url_fails_with_a_clear_error_and_no_password(python, tmp_path, url):
    completed = manage_check(python, tmp_path, DATABASE_URL=url)

    assert completed.returncode != 0
    assert "ImproperlyConfigured: DATABASE_URL" in completed.stderr
    assert "hunter2-secret" not in completed.stderr + completed.stdout


def test_bad_broker_url_fails_with_a_clear_error(python, tmp_path):
    completed = manage_check(python, tmp_path, CELERY_BROKER_URL="amqp://guest@mq//")

    assert completed.returncode != 0
    assert "CELERY_BROKER_URL must be a redis://" in completed.stderr


def _check_deploy(python: str, tmp_path, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [python, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=REPO_ROOT,
        env=clean_env(AGILETRACK_VAR_DIR=str(tmp_path), **env),
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_production_settings_pass_check_deploy(python, tmp_path):
    completed = _check_deploy(
        python,
        tmp_path,
        DJANGO_DEBUG="false",
        DJANGO_SECRET_KEY=secrets.token_urlsafe(50),
        DJANGO_ALLOWED_HOSTS="agiletrack.example.com",
        AGILETRACK_HTTPS="true",
        AGILETRACK_ENCRYPTION_KEYS=Fernet.generate_key().decode(),
    )

    assert completed.returncode == 0, completed.stderr
    assert "no issues" in completed.stdout


def test_check_deploy_flags_a_debug_deployment_without_https(python, tmp_path):
    completed = _check_deploy(python, tmp_path, DJANGO_DEBUG="true")

    assert completed.returncode != 0
    assert "security.W018" in completed.stderr  # DEBUG on
    assert "security.W008" in completed.stderr  # no SSL redirect


def test_celery_app_uses_the_reliability_baseline():
    conf = celery_app.conf

    assert conf.task_serializer == "json"
    assert conf.result_serializer == "json"
    assert conf.accept_content == ["json"]
    assert conf.task_acks_late is True
    assert conf.task_reject_on_worker_lost is True
    assert conf.worker_prefetch_multiplier == 1
    assert conf.result_backend == "django-db"
    assert conf.result_extended is True
    assert conf.result_expires == settings.CELERY_RESULT_EXPIRES > 0
    assert issubclass(symbol_by_name(conf.beat_scheduler), DatabaseScheduler)
    assert conf.broker_connection_retry_on_startup is True
    assert conf.task_time_limit > conf.task_soft_time_limit
    assert conf.task_time_limit < settings.CELERY_VISIBILITY_TIMEOUT


def test_a_verbatim_copy_of_env_example_starts(python, tmp_path):
    values = {}
    for line in (REPO_ROOT / ".env.example").read_text().splitlines():
        if line and not line.startswith("#"):
            name, value = line.split("=", 1)
            values[name] = value
    values["AGILETRACK_VAR_DIR"] = str(tmp_path)

    dumped = dump_settings(python, **values)

    assert dumped["engine"] == "django.db.backends.sqlite3"
    assert dumped["broker"].startswith("sqla+sqlite:///")


def test_rest_framework_settings_load_before_any_view(python):
    """Celery's startup checks resolve REST framework's settings before any view is imported;
    agiletrack.api must not need rest_framework.views at import (it would be circular)."""
    import subprocess

    from tests.conftest import REPO_ROOT, clean_env

    code = (
        "import django; django.setup()\n"
        "from rest_framework.settings import api_settings\n"
        "print(api_settings.DEFAULT_PAGINATION_CLASS.__name__,"
        " [c.__name__ for c in api_settings.DEFAULT_THROTTLE_CLASSES])\n"
    )
    done = subprocess.run(
        [python, "-c", code],
        cwd=REPO_ROOT,
        env=clean_env(DJANGO_SETTINGS_MODULE="agiletrack.settings"),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert "Pagination ['TokenRateThrottle']" in done.stdout


def test_https_mode_refuses_to_start_without_a_secret_key(python, tmp_path):
    completed = _check_deploy(
        python,
        tmp_path,
        DJANGO_ALLOWED_HOSTS="agiletrack.example.com",
        AGILETRACK_HTTPS="true",
        AGILETRACK_ENCRYPTION_KEYS=Fernet.generate_key().decode(),
    )

    assert completed.returncode != 0
    assert "DJANGO_SECRET_KEY is required in production" in completed.stderr


PRINT_HSTS = "import django; from django.conf import settings; print(settings.SECURE_HSTS_PRELOAD)"


@pytest.mark.parametrize(("value", "expected"), [(None, "False"), ("true", "True")])
def test_hsts_preload_is_a_setting_off_by_default(python, tmp_path, value, expected):
    env = {
        "DJANGO_SETTINGS_MODULE": "agiletrack.settings",
        "AGILETRACK_VAR_DIR": str(tmp_path),
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
        "AGILETRACK_HTTPS": "true",
        "AGILETRACK_ENCRYPTION_KEYS": Fernet.generate_key().decode(),
    }
    if value is not None:
        env["DJANGO_SECURE_HSTS_PRELOAD"] = value
    completed = subprocess.run(
        [python, "-c", PRINT_HSTS],
        cwd=REPO_ROOT,
        env=clean_env(**env),
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )

    assert completed.stdout.strip() == expected


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/accounts/login/", "/healthz", "/api/docs/", "/nope/"])
def test_every_answer_carries_the_security_headers(client, path):
    response = client.get(path)

    policy = dict(
        directive.strip().split(" ", 1)
        for directive in response["Content-Security-Policy"].split(";")
    )
    assert policy["script-src"] == "'self'"  # no inline script, no eval
    assert policy["default-src"] == "'self'"
    assert policy["frame-ancestors"] == "'none'"
    assert policy["object-src"] == "'none'"
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"


# The database connection's lifetime a process gets, the web server's config loaded first or not.
CONN_MAX_AGE = """
import sys, django
django.setup()
from django.db import connection
if sys.argv[1] == "gunicorn":  # what the web server runs in each worker before its requests
    from agiletrack.observability.gunicorn import post_worker_init
    post_worker_init(None)
print(connection.settings_dict["CONN_MAX_AGE"])
"""


@pytest.mark.parametrize(
    ("process", "variable", "expected"),
    [
        ("gunicorn", "", 60),  # the web server keeps its connection between requests
        ("gunicorn", "0", 0),
        ("other", "", 0),  # the development server, tests, worker: one per request or task
        ("other", "30", 30),
    ],
)
def test_the_web_server_keeps_its_database_connection(
    python, tmp_path, process, variable, expected
):
    env = {"AGILETRACK_VAR_DIR": str(tmp_path), "DATABASE_CONN_MAX_AGE": variable}

    printed = run_python(python, CONN_MAX_AGE, process, **env)

    assert int(printed.strip().splitlines()[-1]) == expected


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("DATABASE_CONN_MAX_AGE", "sixty", "a whole number of seconds"),
        ("DATABASE_CONN_MAX_AGE", "-5", "a whole number of seconds"),
        ("DATABASE_CONN_MAX_AGE", "1.5", "a whole number of seconds"),
        ("AGILETRACK_METRICS_READ_THREADS", "0", "a whole number of 1 or more"),
        ("AGILETRACK_METRICS_READ_THREADS", "two", "a whole number of 1 or more"),
        ("AGILETRACK_METRICS_READ_THREADS", "-1", "a whole number of 1 or more"),
    ],
)
def test_a_bad_number_fails_with_a_message_naming_its_variable(
    python, tmp_path, name, value, message
):
    completed = manage_check(python, tmp_path, **{name: value})

    assert completed.returncode != 0
    assert f"ImproperlyConfigured: {name} must be {message}, not {value!r}" in completed.stderr


def test_empty_read_threads_keep_the_default(python, tmp_path):
    code = "import django; django.setup(); from django.conf import settings; " + (
        "print(settings.AGILETRACK_METRICS_READ_THREADS)"
    )

    printed = run_python(
        python, code, AGILETRACK_VAR_DIR=str(tmp_path), AGILETRACK_METRICS_READ_THREADS=""
    )

    assert printed.strip().splitlines()[-1] == "2"
