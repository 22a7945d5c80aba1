from rest_framework.routers import SimpleRouter

from . import api

router = SimpleRouter()
router.register("volunteer-entries", api.VolunteerEntryViewSet, basename="volunteer-entry")
router.register("volunteers", api.VolunteerViewSet, basename="volunteer")
router.register("valuation-rates", api.ValuationRateViewSet, basename="valuation-rate")

urlpatterns = router.urls
