from django.urls import path

from . import views
from .views.open_data import OpenDataPublishedView
from .views.recovery import (
    CerWithdrawalView,
    InKindAidView,
    RecoveryStepView,
    RepaymentRequestView,
)

app_name = "conventions"

urlpatterns = [
    path("", views.ConventionListView.as_view(), name="convention-list"),
    path("nouvelle/", views.ConventionCreateView.as_view(), name="convention-create"),
    path("attributions/<int:award_pk>/convention/", views.ConventionFromAwardView.as_view(),
         name="convention-from-award"),
    path("<int:pk>/", views.ConventionDetailView.as_view(), name="convention-detail"),
    path("<int:pk>/modifier/", views.ConventionEditView.as_view(), name="convention-edit"),
    path("<int:pk>/modifier/clauses/", views.ConventionClausesView.as_view(),
         name="convention-clauses"),
    path("<int:pk>/action/<slug:action>/", views.ConventionActionView.as_view(),
         name="convention-action"),
    path("<int:pk>/tranches/<int:year_pk>/echeancier/", views.ScheduleEditView.as_view(),
         name="schedule-edit"),
    path("<int:pk>/recouvrements/<int:recovery_pk>/<slug:step>/", RecoveryStepView.as_view(),
         name="recovery-step"),
    path("<int:pk>/retrait-cer/", CerWithdrawalView.as_view(), name="cer-withdrawal"),
    path("<int:pk>/reversement/", RepaymentRequestView.as_view(), name="repayment-request"),
    path("<int:pk>/aides-en-nature/", InKindAidView.as_view(), name="in-kind"),
    path("<int:pk>/aides-en-nature/<int:aid_pk>/", InKindAidView.as_view(), name="in-kind-edit"),
    path("<int:pk>/donnees-ouvertes/", OpenDataPublishedView.as_view(), name="open-data-published"),
    path("comptes-rendus/<int:pk>/", views.ReportView.as_view(), name="report"),
    path("comptes-rendus/<int:pk>/totaux/", views.ReportTotalsView.as_view(),
         name="report-totals"),
    path("documents/<int:pk>/", views.DocumentDownloadView.as_view(), name="document-download"),
    path("versements/", views.PaymentCalendarView.as_view(), name="calendar"),
    path("versements/a-mandater.<str:fmt>", views.PaymentsDueExportView.as_view(),
         name="payments-due-export"),
    path("donnees-ouvertes/", views.ScdlExportView.as_view(), name="scdl-export"),
]
