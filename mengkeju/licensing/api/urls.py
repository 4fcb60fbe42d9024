from mengkeju.core.routers import DefaultRouter

from .views import (
    DeclarationViewSet,
    LicenceViewSet,
    PaymentViewSet,
    RevenueSharePolicyViewSet,
    RevenueShareStatementViewSet,
)

router = DefaultRouter()
router.register("licences", LicenceViewSet, basename="licensing-licence")
router.register("payments", PaymentViewSet, basename="licensing-payment")
router.register("open-licences", DeclarationViewSet, basename="licensing-open-licence")
router.register("revenue-policies", RevenueSharePolicyViewSet, basename="licensing-revenue-policy")
router.register("revenue-statements", RevenueShareStatementViewSet, basename="licensing-revenue-statement")

urlpatterns = router.urls
