from mengkeju.core.routers import SimpleRouter

from .api import LadderStayViewSet

router = SimpleRouter()
router.register("stays", LadderStayViewSet, basename="ladder-stay")

urlpatterns = router.urls
