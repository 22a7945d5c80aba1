"""Pages of the funds app: public calls, the applicant's files, the agents' review and decisions."""

from .agent import (
    AgentCallDetailView,
    AgentCallListView,
    CallPhaseView,
    CommitteeView,
    DecisionView,
    ReviewQueueView,
    ReviewView,
)
from .applicant import (
    ApplicationDetailView,
    ApplicationDocumentUploadView,
    ApplicationEditView,
    ApplicationListView,
    ApplicationSharesView,
    ApplicationStartView,
    ApplicationVersionsView,
    CallDetailView,
    CallListView,
    ReceiptDownloadView,
)

__all__ = [
    "AgentCallDetailView", "AgentCallListView", "ApplicationDetailView",
    "ApplicationDocumentUploadView", "ApplicationEditView",
    "ApplicationListView", "ApplicationSharesView", "ApplicationStartView",
    "ApplicationVersionsView", "CallDetailView", "CallListView", "CallPhaseView",
    "CommitteeView", "DecisionView", "ReceiptDownloadView", "ReviewQueueView", "ReviewView",
]
