from rest_framework.routers import SimpleRouter

from . import api

router = SimpleRouter()
router.register("calls", api.CallViewSet, basename="call")
router.register("applications", api.ApplicationViewSet, basename="application")

urlpatterns = router.urls
