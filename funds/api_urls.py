from rest_framework.routers import SimpleRouter

from . import api
from .voting import api as api_voting

router = SimpleRouter()
router.register("calls", api.CallViewSet, basename="call")
router.register("applications", api.ApplicationViewSet, basename="application")
router.register("votes", api_voting.VoteViewSet, basename="vote")

urlpatterns = router.urls
