from rest_framework.routers import DefaultRouter

from integrations.api.views import IntegrationViewSet, SyncRunViewSet, TeamViewSet

router = DefaultRouter()
router.register("teams", TeamViewSet, basename="team")
router.register("integrations", IntegrationViewSet, basename="integration")
router.register("sync-runs", SyncRunViewSet, basename="sync-run")

urlpatterns = router.urls
