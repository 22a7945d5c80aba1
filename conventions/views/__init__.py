"""Thin views: check permission, validate a form, call a service, add a message, redirect."""

from .conventions import (
    ConventionActionView,
    ConventionCreateView,
    ConventionDetailView,
    ConventionFromAwardView,
    ConventionListView,
    ScheduleEditView,
)
from .exports import (
    DocumentDownloadView,
    PaymentCalendarView,
    PaymentsDueExportView,
    ScdlExportView,
)
from .reports import ReportTotalsView, ReportView

__all__ = [
    "ConventionActionView", "ConventionCreateView", "ConventionDetailView", "ConventionFromAwardView",
    "ConventionListView",
    "DocumentDownloadView", "PaymentCalendarView", "PaymentsDueExportView", "ReportTotalsView", "ReportView",
    "ScdlExportView", "ScheduleEditView",
]
