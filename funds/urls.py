from django.urls import path

from . import views
from .voting import views as voting

app_name = "funds"

urlpatterns = [
    path("", views.CallListView.as_view(), name="call-list"),
    path("appels/<int:pk>/", views.CallDetailView.as_view(), name="call-detail"),
    path("appels/<int:pk>/deposer/", views.ApplicationStartView.as_view(),
         name="application-start"),
    path("dossiers/", views.ApplicationListView.as_view(), name="application-list"),
    path("dossiers/<int:pk>/", views.ApplicationDetailView.as_view(), name="application-detail"),
    path("dossiers/<int:pk>/modifier/", views.ApplicationEditView.as_view(),
         name="application-edit"),
    path("dossiers/<int:pk>/documents/", views.ApplicationDocumentUploadView.as_view(),
         name="application-document"),
    path("dossiers/<int:pk>/parts/", views.ApplicationSharesView.as_view(),
         name="application-shares"),
    path("dossiers/<int:pk>/versions/", views.ApplicationVersionsView.as_view(),
         name="application-versions"),
    path("dossiers/<int:pk>/recepisse/<int:number>/", views.ReceiptDownloadView.as_view(),
         name="application-receipt"),
    path("gestion/", views.AgentCallListView.as_view(), name="agent-call-list"),
    path("gestion/appels/<int:pk>/", views.AgentCallDetailView.as_view(),
         name="agent-call-detail"),
    path("gestion/appels/<int:pk>/phase/", views.CallPhaseView.as_view(), name="call-phase"),
    path("gestion/appels/<int:pk>/dossiers/", views.ReviewQueueView.as_view(),
         name="review-queue"),
    path("gestion/appels/<int:pk>/comite/", views.CommitteeView.as_view(), name="committee"),
    path("gestion/dossiers/<int:pk>/", views.ReviewView.as_view(), name="review"),
    path("gestion/dossiers/<int:pk>/decision/", views.DecisionView.as_view(), name="decision"),
    path("appels/<int:pk>/vote/", voting.VoteView.as_view(), name="vote"),
    path("vote/confirmer/<str:token>/", voting.VoterVerifyView.as_view(), name="voter-verify"),
    path("appels/<int:pk>/resultats/", voting.VoteResultsView.as_view(), name="vote-results"),
    path("appels/<int:pk>/resultats/rapport-technique.pdf", voting.VoteReportView.as_view(),
         name="vote-report"),
    path("gestion/appels/<int:pk>/vote/", voting.VoteManageView.as_view(), name="vote-manage"),
    path("gestion/appels/<int:pk>/bulletins-papier/", voting.PaperBallotView.as_view(),
         name="vote-paper"),
    path("gestion/appels/<int:pk>/liste-electorale/", voting.CensusImportView.as_view(),
         name="vote-census"),
    path("gestion/appels/<int:pk>/statistiques/", voting.VoteStatsView.as_view(),
         name="vote-stats"),
    path("gestion/appels/<int:pk>/pabulib/", voting.PabulibExportView.as_view(),
         name="vote-export"),
]
