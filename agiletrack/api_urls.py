"""Every API resource under /api/, from both apps, on one router."""

from django.urls import path
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.reverse import reverse
from rest_framework.routers import APIRootView, DefaultRouter

from agreements.api import AlertViewSet, WorkingAgreementViewSet
from integrations.api.views import IntegrationViewSet, SyncRunViewSet, TeamViewSet
from metrics.api.organisation import TeamsMetricsView
from metrics.api.views import (
    DeploymentViewSet,
    MetricsView,
    PullRequestViewSet,
    SprintViewSet,
    TimeseriesView,
    WorkItemViewSet,
)

# Endpoints outside the router, listed by the API root after the router's own.
ROOT_EXTRAS = {
    "metrics": ("api-metrics", True),
    "metrics/timeseries": ("api-metrics-timeseries", True),
    "schema": ("api-schema", False),
    "docs": ("api-docs", False),
}


class ApiRootView(APIRootView):
    """AgileTrack's API: every endpoint, the metrics, their time series, the OpenAPI schema and
    its browsable docs included."""

    def get(self, request: Request, *args, **kwargs) -> Response:
        response = super().get(request, *args, **kwargs)
        fmt = kwargs.get("format")
        for key, (name, takes_format) in ROOT_EXTRAS.items():
            response.data[key] = reverse(
                name, request=request, format=fmt if takes_format else None
            )
        return response


router = DefaultRouter()
router.APIRootView = ApiRootView
router.register("teams", TeamViewSet, basename="team")
router.register("integrations", IntegrationViewSet, basename="integration")
router.register("sync-runs", SyncRunViewSet, basename="sync-run")
router.register("pull-requests", PullRequestViewSet, basename="pull-request")
router.register("deployments", DeploymentViewSet, basename="deployment")
router.register("work-items", WorkItemViewSet, basename="work-item")
router.register("sprints", SprintViewSet, basename="sprint")
router.register("working-agreements", WorkingAgreementViewSet, basename="working-agreement")
router.register("alerts", AlertViewSet, basename="alert")

urlpatterns = [
    path("metrics/", MetricsView.as_view(), name="api-metrics"),
    path("metrics/teams/", TeamsMetricsView.as_view(), name="api-metrics-teams"),
    path("metrics/timeseries/", TimeseriesView.as_view(), name="api-metrics-timeseries"),
    *router.urls,
]
