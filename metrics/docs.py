"""GET /docs/metrics/: the metric docs shipped with the app (docs/metrics.md) as a page, each
heading with an id the metric explanations link to (metrics.definitions)."""

from __future__ import annotations

from functools import cache

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_GET
from markdown_it import MarkdownIt
from mdit_py_plugins.anchors import anchors_plugin

METRICS_DOC = settings.BASE_DIR / "docs" / "metrics.md"


@cache
def render_metrics_doc() -> str:
    """docs/metrics.md as HTML (GitHub's heading ids; raw HTML in the file is not passed on)."""
    parser = MarkdownIt("commonmark", {"html": False}).enable("table")
    parser.use(anchors_plugin, min_level=1, max_level=3)
    return parser.render(METRICS_DOC.read_text(encoding="utf-8"))


@login_required
@require_GET
def metrics_doc(request: HttpRequest) -> HttpResponse:
    """The metric docs page."""
    return render(request, "docs/metrics.html", {"doc": mark_safe(render_metrics_doc())})  # noqa: S308
