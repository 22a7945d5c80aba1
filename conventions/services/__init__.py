"""Writes of the conventions app (one path per business action)."""

from .amendments import amendment_create, amendment_transition
from .awards import award_convention_defaults, convention_create_from_award
from .conventions import (
    annual_amount,
    convention_create,
    convention_transition,
    main_document_kind,
    missing_clauses,
    organisation_aid_by_year,
)
from .documents import document_context, document_html, document_render, document_request
from .drafts import convention_update, convention_version
from .in_kind import aid_summary, in_kind_aid_add, in_kind_aid_update
from .payments import payment_cancel, payment_order, payment_record, payment_transition
from .recovery import (
    convention_withdraw_for_cer_breach,
    recovery_decide,
    recovery_observations,
    recovery_open,
    recovery_settle,
    recovery_title,
    repayment_request,
)
from .reports import (
    report_attachment_add,
    report_check,
    report_draft_save,
    report_review,
    report_submit,
    rows_from_lines,
)
from .schedule import lines_refresh, schedule_generate, schedule_update
from .years import convention_year_confirm

__all__ = [
    "convention_withdraw_for_cer_breach", "recovery_decide", "recovery_observations",
    "recovery_open", "recovery_settle", "recovery_title", "repayment_request",
    "annual_amount", "organisation_aid_by_year",
    "amendment_create", "amendment_transition", "award_convention_defaults", "convention_create",
    "convention_create_from_award", "convention_transition", "convention_update",
    "convention_version", "convention_year_confirm", "aid_summary", "in_kind_aid_add",
    "in_kind_aid_update", "document_context", "document_html", "document_render",
    "document_request", "lines_refresh", "main_document_kind", "missing_clauses",
    "payment_cancel", "payment_order", "payment_record", "payment_transition", "report_attachment_add",
    "report_check", "report_draft_save", "report_review", "report_submit", "rows_from_lines",
    "schedule_generate", "schedule_update",
]
