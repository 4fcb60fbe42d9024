from mengkeju.core.routers import DefaultRouter

from .views import BookingViewSet, OfferingViewSet

router = DefaultRouter()
router.register("offerings", OfferingViewSet, basename="bookings-offering")
router.register("bookings", BookingViewSet, basename="bookings-booking")

urlpatterns = router.urls
