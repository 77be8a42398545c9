"""Formatting for metric values on pages: durations, rates, bands and trends; chart data."""

import json

from django import template
from django.core.serializers.json import DjangoJSONEncoder
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe

register = template.Library()

# What json_script escapes inside the script element, as it escapes it.
SCRIPT_ESCAPES = (("<", "\\u003C"), (">", "\\u003E"), ("&", "\\u0026"))


@register.filter
def chart_json(value: object, element_id: str | None = None) -> SafeString:
    """Django's json_script, the same element, escaped with str.replace: a year's chart with
    a link per point is over 100 KB of JSON, which json_script's str.translate escapes about
    fifty times slower."""
    text = json.dumps(value, cls=DjangoJSONEncoder)
    for char, escaped in SCRIPT_ESCAPES:
        text = text.replace(char, escaped)
    safe = mark_safe(text)  # noqa: S308 (JSON with <, > and & escaped, as json_script marks it)
    if not element_id:
        return format_html('<script type="application/json">{}</script>', safe)
    return format_html('<script id="{}" type="application/json">{}</script>', element_id, safe)


@register.filter
def duration(minutes: float | None) -> str:
    """Minutes as a short human duration: "45m", "3h 20m", "2d 4h", "—" when there is none."""
    if minutes is None or minutes == "":
        return "—"
    total = round(float(minutes))
    days, rest = divmod(total, 24 * 60)
    hours, mins = divmod(rest, 60)
    if days >= 10:
        return f"{days}d"
    if days:
        return f"{days}d {hours}h" if hours else f"{days}d"
    if hours:
        return f"{hours}h {mins}m" if mins else f"{hours}h"
    return f"{mins}m"


@register.filter
def percent(value: float | None) -> str:
    """A 0..1 rate as a whole percentage, "—" when there is none."""
    if value is None or value == "":
        return "—"
    return f"{float(value) * 100:.0f}%"


@register.filter
def number(value: float | None, digits: int = 1) -> str:
    """A number with at most `digits` decimals, "—" when there is none."""
    if value is None or value == "":
        return "—"
    value = float(value)
    if value.is_integer():
        return f"{value:.0f}"
    return f"{value:.{digits}f}"


BAND_LABELS = {"elite": "Elite", "high": "High", "medium": "Medium", "low": "Low"}


# Why a DORA metric is n/a (the selectors' `reason`), as the page words it.
REASON_LABELS = {
    "no_deployments_configured": "no deployments configured",
    "no_incidents_labelled": "no incidents labelled",
    "nothing_in_window": "nothing in this window",
}


@register.filter
def band_label(band: str | None, reason: str | None = None) -> str:
    if band in BAND_LABELS:
        return BAND_LABELS[band]
    return f"n/a: {REASON_LABELS[reason]}" if reason in REASON_LABELS else "n/a"
