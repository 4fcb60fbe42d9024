from mengkeju.core.routers import SimpleRouter

from .views import ThreadViewSet

router = SimpleRouter()
router.register("threads", ThreadViewSet, basename="inquiries-thread")

urlpatterns = router.urls
