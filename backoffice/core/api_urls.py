from django.urls import path
from rest_framework.routers import SimpleRouter

from . import api

router = SimpleRouter()
router.register("organisations", api.OrganisationViewSet, basename="organisation")
router.register("memberships", api.MembershipDecisionViewSet, basename="membership")
router.register("notifications", api.NotificationViewSet, basename="notification")
router.register("reminders", api.ReminderViewSet, basename="reminder")

urlpatterns = [path("me/", api.MeView.as_view(), name="api-me"), *router.urls]
