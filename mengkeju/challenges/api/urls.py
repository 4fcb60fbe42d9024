from mengkeju.core.routers import SimpleRouter

from .views import (
    ApplicationViewSet,
    AwardViewSet,
    ChallengeViewSet,
    MilestoneViewSet,
    ObjectionViewSet,
    ScorecardViewSet,
)

router = SimpleRouter()
router.register("challenges", ChallengeViewSet, basename="challenges-challenge")
router.register("applications", ApplicationViewSet, basename="challenges-application")
router.register("scorecards", ScorecardViewSet, basename="challenges-scorecard")
router.register("objections", ObjectionViewSet, basename="challenges-objection")
router.register("milestones", MilestoneViewSet, basename="challenges-milestone")
router.register("awards", AwardViewSet, basename="challenges-award")

urlpatterns = router.urls
