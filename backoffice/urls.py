from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from drf_spectacular.views import (
    SpectacularAPIView,
    SpectacularRedocView,
    SpectacularSwaggerSplitView,
)

from backoffice.core.api_auth import ObtainTokenView
from backoffice.core.health import healthz
from backoffice.core.views import ThrottledPasswordResetView

handler404 = "backoffice.core.errors.page_not_found"

admin.site.site_header = "Pacte back-office — administration"
admin.site.site_title = "Pacte back-office"
admin.site.index_title = "Administration"

api_v1 = [
    path("", include("backoffice.core.api_urls")),
    path("", include("funds.api_urls")),
    path("", include("conventions.api_urls")),
    path("", include("volunteering.api_urls")),
    path("", include("dashboard.api_urls")),
    path("auth/token/", ObtainTokenView.as_view(), name="api-token"),
]

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("admin/", admin.site.urls),
    path("compte/connexion/", auth_views.LoginView.as_view(redirect_authenticated_user=True),
         name="login"),
    path("compte/password_reset/", ThrottledPasswordResetView.as_view(),
         name="password_reset"),
    path("compte/", include("django.contrib.auth.urls")),
    path("api/v1/", include(api_v1)),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema"), name="api-docs"),
    path("api/redoc/", SpectacularRedocView.as_view(url_name="api-schema"), name="api-redoc"),
    path("fonds/", include("funds.urls")),
    path("conventions/", include("conventions.urls")),
    path("benevolat/", include("volunteering.urls")),
    path("tableau-de-bord/", include("dashboard.urls")),
    path("signature/", include("esign.urls")),
    path("", include("backoffice.legal.urls")),
    path("", include("backoffice.core.urls")),
]
