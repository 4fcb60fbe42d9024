from django.urls import path

from mengkeju.core.routers import SimpleRouter

from .views import ExchangeViewSet, PersonViewSet, TalentPackView

router = SimpleRouter()
router.register("people", PersonViewSet, basename="talent-person")
router.register("exchanges", ExchangeViewSet, basename="talent-exchange")

urlpatterns = [path("region/", TalentPackView.as_view(), name="talent-region"), *router.urls]
