from django.urls import path, re_path

from . import views

app_name = "volunteering"

urlpatterns = [
    path("", views.IndexView.as_view(), name="index"),
    path("taux/", views.RateListView.as_view(), name="rates"),
    path("attestations/<int:pk>/", views.AttestationDownloadView.as_view(),
         name="attestation-download"),
    path("organisations/<int:pk>/", views.OrganisationView.as_view(), name="organisation"),
    path("organisations/<int:pk>/semaine/", views.WeekView.as_view(), name="week"),
    path("organisations/<int:pk>/seance/", views.SessionView.as_view(), name="session"),
    path("organisations/<int:pk>/valider/", views.ValidateView.as_view(), name="validate"),
    path("organisations/<int:pk>/heures/<int:entry_pk>/supprimer/",
         views.EntryDeleteView.as_view(), name="entry-delete"),
    path("organisations/<int:pk>/import/", views.ImportView.as_view(), name="import"),
    re_path(r"^organisations/(?P<pk>[0-9]+)/import/modele\.(?P<file_format>csv|xlsx)$",
            views.ImportTemplateView.as_view(), name="import-template"),
    re_path(r"^organisations/(?P<pk>[0-9]+)/export\.(?P<file_format>csv|xlsx)$",
            views.ExportView.as_view(), name="export"),
    path("organisations/<int:pk>/benevoles/", views.VolunteerListView.as_view(),
         name="volunteers"),
    path("organisations/<int:pk>/methode/", views.MethodView.as_view(), name="method"),
    path("organisations/<int:pk>/revaloriser/", views.RevalueView.as_view(), name="revalue"),
    path("organisations/<int:pk>/attestations/", views.AttestationListView.as_view(),
         name="attestations"),
]
