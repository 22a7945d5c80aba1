from django.urls import path

from . import views

app_name = "esign"

urlpatterns = [
    path("documents/<int:document_pk>/demander/", views.SignatureRequestCreateView.as_view(),
         name="request-create"),
    path("<int:pk>/", views.SignatureRequestView.as_view(), name="request"),
    path("<int:pk>/pdf/", views.SignedPdfView.as_view(), name="pdf"),
    path("verifier/", views.VerifyView.as_view(), name="verify"),
]
