"""Thin views of the volunteer hours pages: check permission, validate a form, call a service."""

from .attestations import AttestationDownloadView, AttestationListView, RateListView
from .entries import (
    EntryDeleteView,
    IndexView,
    MethodView,
    OrganisationView,
    RevalueView,
    SessionView,
    ValidateView,
    VolunteerListView,
    WeekView,
)
from .files import ExportView, ImportTemplateView, ImportView

__all__ = [
    "AttestationDownloadView",
    "AttestationListView",
    "EntryDeleteView",
    "ExportView",
    "ImportTemplateView",
    "ImportView",
    "IndexView",
    "MethodView",
    "OrganisationView",
    "RateListView",
    "RevalueView",
    "SessionView",
    "ValidateView",
    "VolunteerListView",
    "WeekView",
]
