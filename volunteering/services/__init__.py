"""Writes of the volunteering app: log, validate, lock, re-value, attest.

Every business action is one function here, called by pages, API, commands and tasks alike.
"""

from ._common import (
    ATTESTATION_TRANSITIONS,
    ENTRY_TRANSITIONS,
    parse_hours,
    project_message,
    rate_message,
)
from .attestations import (
    attestation_context,
    attestation_fail,
    attestation_generate,
    attestation_request,
    attestation_transition,
)
from .entries import (
    entries_attach_to_convention,
    entries_lock,
    entries_log,
    entries_transition,
    entries_unlock,
    entries_unvalidate,
    entries_validate,
    entry_delete,
    entry_log,
    entry_transition,
    entry_update,
    session_log,
    volunteer_create,
    volunteer_get_or_create,
)
from .valuation import entries_revalue, organisation_set_valuation_method, valuation_rate_create

__all__ = [
    "ATTESTATION_TRANSITIONS", "ENTRY_TRANSITIONS", "attestation_context", "attestation_fail",
    "attestation_generate", "attestation_request", "attestation_transition",
    "entries_attach_to_convention", "entries_lock", "entries_log", "entries_revalue", "entries_transition", "entries_unlock", "entries_unvalidate",
    "entries_validate", "entry_delete", "entry_log", "entry_transition", "entry_update",
    "organisation_set_valuation_method", "parse_hours", "project_message", "rate_message",
    "session_log", "valuation_rate_create", "volunteer_create", "volunteer_get_or_create",
]
