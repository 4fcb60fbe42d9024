from mengkeju.core.routers import SimpleRouter

from .views import GuidanceCatalogViewSet

router = SimpleRouter()
router.register("", GuidanceCatalogViewSet, basename="guidance-catalog")

urlpatterns = router.urls
