"""A metric's explanation on the pages: a disclosure with its definition, what counts, the band
table in use and a link to its section of the metric docs (metrics.definitions)."""

from django import template

from metrics.definitions import explain as explanation

register = template.Library()


@register.inclusion_tag("dashboard/_explain.html")
def explain(key: str, bands: str | None = None) -> dict:
    """`{% explain "lead_time" team.dora_bands %}`: the disclosure of that metric."""
    return explanation(key, bands)
