from django.urls import path

from . import views
from .models import PageKind

app_name = "legal"

urlpatterns = [
    path("accessibilite/", views.LegalPageView.as_view(kind=PageKind.ACCESSIBILITY),
         name="accessibility"),
    path("accessibilite/schema-pluriannuel/",
         views.LegalPageView.as_view(kind=PageKind.ACCESSIBILITY_SCHEME),
         name="accessibility-scheme"),
    path("mentions-legales/", views.LegalPageView.as_view(kind=PageKind.LEGAL_NOTICE),
         name="legal-notice"),
    path("donnees-personnelles/", views.LegalPageView.as_view(kind=PageKind.PERSONAL_DATA),
         name="personal-data"),
    path("espace/mes-donnees/", views.MyDataView.as_view(), name="my-data"),
    path("espace/mes-donnees/telecharger/", views.MyDataDownloadView.as_view(),
         name="my-data-download"),
]
