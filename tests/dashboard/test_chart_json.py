"""Chart data on pages (metrics_format.chart_json) is the element Django's json_script makes."""

from datetime import date

from django.utils.html import json_script

from metrics.templatetags.metrics_format import chart_json


def test_chart_json_is_json_scripts_element_for_the_characters_it_escapes():
    spec = {
        "title": "</script><!-- & 'quoted' \"double\" <b>",
        "links": [["/teams/a/flow/?since=2026-01-01&day=2026-01-02&category=done"]],
        "labels": ["Mo\u2013Fr", "日本", "\u2028"],
        "day": date(2026, 12, 6),
        "values": [1, 2.5, None, True],
    }

    made = chart_json(spec, "chart-flow-data")

    assert made == json_script(spec, "chart-flow-data")
    assert "</script><" not in made.removesuffix("</script>")
    assert "\\u0026day=" in made


def test_chart_json_without_an_id_is_json_scripts_element_without_one():
    assert chart_json({"a": "<&>"}) == json_script({"a": "<&>"})
    assert chart_json([1], "") == json_script([1], "")
