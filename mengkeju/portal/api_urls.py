from mengkeju.catalog.api.views import (
    AchievementViewSet,
    DemandViewSet,
    ExpertViewSet,
    PlatformViewSet,
    ServiceViewSet,
)
from mengkeju.core.routers import DefaultRouter
from mengkeju.network.api import ChainViewSet, DivisionViewSet, OrganizationViewSet

router = DefaultRouter()
router.register("achievements", AchievementViewSet, basename="achievement")
router.register("demands", DemandViewSet, basename="demand")
router.register("experts", ExpertViewSet, basename="expert")
router.register("platforms", PlatformViewSet, basename="platform")
router.register("services", ServiceViewSet, basename="service")
router.register("organizations", OrganizationViewSet, basename="organization")
router.register("divisions", DivisionViewSet, basename="division")
router.register("chains", ChainViewSet, basename="chain")

urlpatterns = router.urls
