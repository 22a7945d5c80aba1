"""Writes of the funds app. One function per business action (``<entity>_<verb>``)."""

from .applications import (
    application_budget,
    application_create,
    application_receipt_generate,
    application_submit,
    application_transition,
    application_update,
)
from .calls import call_set_phase, calls_advance_phases
from .decisions import application_award, application_reject, applications_decide_batch
from .review import (
    REVIEWABLE,
    application_declare_eligible,
    application_declare_ineligible,
    application_request_info,
    application_review_save,
)
from .setup import call_create, call_duplicate, call_update, fund_create, fund_update

__all__ = [
    "REVIEWABLE", "application_award", "application_budget", "application_create",
    "application_declare_eligible",
    "application_declare_ineligible", "application_receipt_generate", "application_reject",
    "application_request_info", "application_review_save", "application_submit",
    "application_transition", "application_update", "applications_decide_batch",
    "call_create", "call_duplicate", "call_set_phase", "call_update", "calls_advance_phases",
    "fund_create", "fund_update",
]
