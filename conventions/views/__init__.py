"""Thin views: check permission, validate a form, call a service, add a message, redirect."""

from .conventions import (
    ConventionActionView,
    ConventionDetailView,
    ConventionListView,
    ScheduleEditView,
)
from .drafts import (
    ConventionClausesView,
    ConventionCreateView,
    ConventionEditView,
    ConventionFromAwardView,
)
from .exports import (
    DocumentDownloadView,
    PaymentCalendarView,
    PaymentsDueExportView,
    ScdlExportView,
)
from .reports import ReportTotalsView, ReportView

__all__ = [
    "ConventionActionView", "ConventionClausesView", "ConventionCreateView", "ConventionDetailView",
    "ConventionEditView", "ConventionFromAwardView",
    "ConventionListView",
    "DocumentDownloadView", "PaymentCalendarView", "PaymentsDueExportView", "ReportTotalsView", "ReportView",
    "ScdlExportView", "ScheduleEditView",
]
