from django.urls import path, re_path

from . import views

app_name = "dashboard"

urlpatterns = [
    path("", views.DashboardView.as_view(), name="index"),
    re_path(r"^donnees/(?P<chart>[a-z]+)\.(?P<fmt>csv|xlsx)$", views.ChartDataView.as_view(),
            name="chart-data"),
    path("engagements/", views.ScorecardView.as_view(), name="scorecard"),
    re_path(r"^engagements/export\.(?P<fmt>csv|xlsx)$", views.ScorecardExportView.as_view(),
            name="scorecard-export"),
    path("engagements/pdf/", views.ScorecardPdfRequestView.as_view(), name="scorecard-pdf-request"),
    path("engagements/pdf/<int:pk>/", views.ScorecardPdfView.as_view(), name="scorecard-pdf"),
    path("engagements/pdf/<int:pk>/telecharger/", views.ScorecardPdfDownloadView.as_view(),
         name="scorecard-pdf-download"),
]
