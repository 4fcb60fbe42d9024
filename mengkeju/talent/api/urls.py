from mengkeju.core.routers import SimpleRouter

from .views import ExchangeViewSet, PersonViewSet, TalentPackViewSet

router = SimpleRouter()
router.register("people", PersonViewSet, basename="talent-person")
router.register("exchanges", ExchangeViewSet, basename="talent-exchange")
router.register("region", TalentPackViewSet, basename="talent-region")

urlpatterns = router.urls
