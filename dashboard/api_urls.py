from rest_framework.routers import SimpleRouter

from .api import ScorecardViewSet

router = SimpleRouter()
router.register("scorecard", ScorecardViewSet, basename="scorecard")

urlpatterns = router.urls
