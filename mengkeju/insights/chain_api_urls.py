from mengkeju.core.routers import SimpleRouter

from .chain_api import ChainMapViewSet

router = SimpleRouter()
router.register("", ChainMapViewSet, basename="chain-map")

urlpatterns = router.urls
