from django.urls import path
from rest_framework.routers import DefaultRouter

from .api import ConventionViewSet, FinancialReportViewSet, ScdlExportView

router = DefaultRouter(trailing_slash=True)
router.include_root_view = False
router.register("conventions", ConventionViewSet, basename="convention")
router.register("financial-reports", FinancialReportViewSet, basename="financial-report")

urlpatterns = [
    path("conventions/scdl/", ScdlExportView.as_view(), name="conventions-scdl"),
    *router.urls,
]
