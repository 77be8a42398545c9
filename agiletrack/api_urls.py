"""Every API resource under /api/, from both apps, on one router."""

from django.urls import path
from rest_framework.routers import DefaultRouter

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

router = DefaultRouter()
router.register("teams", TeamViewSet, basename="team")
router.register("integrations", IntegrationViewSet, basename="integration")
router.register("sync-runs", SyncRunViewSet, basename="sync-run")
router.register("pull-requests", PullRequestViewSet, basename="pull-request")
router.register("deployments", DeploymentViewSet, basename="deployment")
router.register("work-items", WorkItemViewSet, basename="work-item")
router.register("sprints", SprintViewSet, basename="sprint")

urlpatterns = [
    path("metrics/", MetricsView.as_view(), name="api-metrics"),
    path("metrics/teams/", TeamsMetricsView.as_view(), name="api-metrics-teams"),
    path("metrics/timeseries/", TimeseriesView.as_view(), name="api-metrics-timeseries"),
    *router.urls,
]
