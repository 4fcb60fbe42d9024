from mengkeju.core.routers import DefaultRouter

from .views import EnterpriseDataViewSet, IndicatorSystemViewSet, ScoreViewSet

router = DefaultRouter()
router.register("systems", IndicatorSystemViewSet, basename="points-system")
router.register("scores", ScoreViewSet, basename="points-score")
router.register("enterprise-data", EnterpriseDataViewSet, basename="points-enterprise-data")

urlpatterns = router.urls
