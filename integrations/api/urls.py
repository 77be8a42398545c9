from rest_framework.routers import DefaultRouter

from integrations.api.views import IntegrationViewSet, TeamViewSet

router = DefaultRouter()
router.register("teams", TeamViewSet, basename="team")
router.register("integrations", IntegrationViewSet, basename="integration")

urlpatterns = router.urls
