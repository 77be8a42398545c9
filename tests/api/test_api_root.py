"""The API root lists every endpoint, and each one it lists answers."""

import pytest

pytestmark = pytest.mark.django_db


def test_the_api_root_lists_every_endpoint_including_metrics_and_the_docs(client):
    response = client.get("/api/")

    assert response.status_code == 200
    listed = response.json()
    assert listed == {
        "teams": "http://testserver/api/teams/",
        "integrations": "http://testserver/api/integrations/",
        "sync-runs": "http://testserver/api/sync-runs/",
        "pull-requests": "http://testserver/api/pull-requests/",
        "deployments": "http://testserver/api/deployments/",
        "work-items": "http://testserver/api/work-items/",
        "sprints": "http://testserver/api/sprints/",
        "working-agreements": "http://testserver/api/working-agreements/",
        "alerts": "http://testserver/api/alerts/",
        "metrics": "http://testserver/api/metrics/",
        "metrics/timeseries": "http://testserver/api/metrics/timeseries/",
        "schema": "http://testserver/api/schema/",
        "docs": "http://testserver/api/docs/",
    }
    for url in listed.values():
        path = url.removeprefix("http://testserver")
        # The metrics need a scope (400 says which); everything else answers as it is.
        assert client.get(path).status_code in (200, 400), path


def test_the_browsable_api_root_links_the_metrics_and_the_docs(client):
    page = client.get("/api/", HTTP_ACCEPT="text/html").content.decode()
    assert '"http://testserver/api/metrics/timeseries/"' in page.replace("&quot;", '"')
    assert "http://testserver/api/docs/" in page
