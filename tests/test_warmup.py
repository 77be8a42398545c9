"""A web worker's warm-up (agiletrack.observability.warmup): before its first request it has
imported every view and compiled every project template; a database it cannot reach leaves it
warm otherwise, with a log line naming no more than the error's type."""

import json
import subprocess

from agiletrack.observability.warmup import project_templates
from tests.conftest import REPO_ROOT, clean_env
from tests.test_settings import run_python

# What a gunicorn worker holds after loading the app, then after its post_worker_init hook.
WORKER = """
import json, sys, django
django.setup()
import agiletrack.wsgi  # gunicorn loads the app in the worker before the hook
from django.template import engines

def state():
    loader = engines["django"].engine.template_loaders[0]
    return {
        "views": sorted(name for name in sys.modules if name.endswith("views")),
        "templates": sorted(loader.get_template_cache),
    }

before = state()
from agiletrack.observability.gunicorn import post_worker_init
post_worker_init(None)
print(json.dumps({"before": before, "after": state()}))
"""


def worker_state(python, tmp_path, **env) -> dict:
    printed = run_python(python, WORKER, AGILETRACK_VAR_DIR=str(tmp_path), **env)
    return json.loads(printed.strip().splitlines()[-1])


def test_a_worker_imports_its_views_and_compiles_its_templates_before_its_first_request(
    python, tmp_path
):
    found = worker_state(python, tmp_path)

    assert "metrics.delivery_views" not in found["before"]["views"]
    assert found["before"]["templates"] == []
    for views in ("metrics.delivery_views", "metrics.views", "metrics.flow_views"):
        assert views in found["after"]["views"]
    names = project_templates()
    assert {"dashboard/deployments.html", "base.html", "docs/metrics.html"} <= set(names)
    assert set(names) <= set(found["after"]["templates"])


def test_a_database_it_cannot_reach_leaves_the_worker_warm_and_says_so(python, tmp_path):
    secret = "s3cret-pw"
    env = clean_env(
        DJANGO_SETTINGS_MODULE="agiletrack.settings",
        AGILETRACK_VAR_DIR=str(tmp_path),
        DATABASE_URL=f"postgres://agiletrack:{secret}@127.0.0.1:1/agiletrack",
    )

    completed = subprocess.run(
        [python, "-c", WORKER], cwd=REPO_ROOT, env=env, capture_output=True, text=True,
        timeout=60, check=False,
    )  # fmt: skip

    assert completed.returncode == 0, completed.stderr[-2000:]
    found = json.loads(completed.stdout.strip().splitlines()[-1])
    assert "metrics.delivery_views" in found["after"]["views"]
    assert "dashboard/deployments.html" in found["after"]["templates"]
    assert "worker warm-up: database unreachable error=OperationalError" in completed.stderr
    assert secret not in completed.stderr + completed.stdout
