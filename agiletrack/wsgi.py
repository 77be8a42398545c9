"""WSGI entry point for gunicorn: Django behind the number of trusted proxies configured."""

import os
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.wsgi import get_wsgi_application
from werkzeug.middleware.proxy_fix import ProxyFix

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "agiletrack.settings")


def behind_proxies(app: Callable[..., Any], count: int) -> Callable[..., Any]:
    """With `count` reverse proxies in front (each appends the address it saw to
    X-Forwarded-For), REMOTE_ADDR becomes the client's address as the outermost trusted proxy
    saw it: the `count`-th entry from the right. Entries further left are whatever the client
    sent and are never trusted; with 0, X-Forwarded-For is ignored."""
    if count <= 0:
        return app
    return ProxyFix(app, x_for=count, x_proto=0, x_host=0, x_port=0, x_prefix=0)


application = behind_proxies(get_wsgi_application(), settings.AGILETRACK_TRUSTED_PROXIES)
