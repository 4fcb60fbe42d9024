from mengkeju.core.routers import SimpleRouter

from .views import ContractViewSet, DealViewSet, RegistrationViewSet

# SimpleRouter: no second "api-root" view beside the portal's.
router = SimpleRouter()
router.register("deals", DealViewSet, basename="deals-deal")
router.register("contracts", ContractViewSet, basename="deals-contract")
router.register("registrations", RegistrationViewSet, basename="deals-registration")

urlpatterns = router.urls
