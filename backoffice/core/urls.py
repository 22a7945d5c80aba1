from django.urls import path

from . import views

app_name = "core"

urlpatterns = [
    path("", views.HomeView.as_view(), name="home"),
    path("espace/", views.SpaceView.as_view(), name="space"),
    path("agent/", views.AgentHomeView.as_view(), name="agent-home"),
    path("inscription/", views.SignupView.as_view(), name="signup"),
    path("inscription/message-envoye/", views.SignupSentView.as_view(), name="signup-sent"),
    path("compte/confirmer/<str:token>/", views.EmailVerifyView.as_view(), name="email-verify"),
    path("compte/confirmer-adresse/renvoyer/", views.EmailVerifyResendView.as_view(),
         name="email-verify-resend"),
    path("notifications/", views.NotificationListView.as_view(), name="notifications"),
    path("notifications/<int:pk>/lue/", views.NotificationReadView.as_view(),
         name="notification-read"),
    path("notifications/preferences/", views.NotificationPreferencesView.as_view(),
         name="notification-preferences"),
    path("rappels/", views.ReminderListView.as_view(), name="reminder-list"),
    path("rappels/envoyer/", views.ReminderSendNowView.as_view(), name="reminder-send-now"),
    path("organisations/", views.OrganisationListView.as_view(), name="organisation-list"),
    path("organisations/nouvelle/", views.OrganisationCreateView.as_view(),
         name="organisation-create"),
    path("organisations/rejoindre/", views.OrganisationJoinView.as_view(),
         name="organisation-join"),
    path("organisations/<int:pk>/", views.OrganisationDetailView.as_view(),
         name="organisation-detail"),
    path("organisations/<int:pk>/modifier/", views.OrganisationUpdateView.as_view(),
         name="organisation-update"),
    path("organisations/<int:pk>/documents/", views.DocumentUploadView.as_view(),
         name="document-upload"),
    path("organisations/<int:pk>/membres/<int:membership_pk>/valider/",
         views.MembershipApproveView.as_view(), name="membership-approve"),
    path("organisations/<int:pk>/membres/<int:membership_pk>/refuser/",
         views.MembershipRefuseView.as_view(), name="membership-refuse"),
    path("organisations/<int:pk>/coordonnees-bancaires/verifier/",
         views.BankDetailsConfirmView.as_view(), name="bank-details-confirm"),
    path("organisations/<int:pk>/membres/<int:membership_pk>/retirer/",
         views.MembershipRemoveView.as_view(), name="membership-remove"),
    path("documents/<int:pk>/", views.DocumentDownloadView.as_view(), name="document-download"),
]
