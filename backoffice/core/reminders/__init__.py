"""Reminders that are never missed and never sent twice.

Public API for apps (declare kinds in ``<app>/reminders.py``)::

    from backoffice.core.reminders import DateOffsetKind, Due, ReminderKind, register

The engine (``services.reminders_run``) records each due reminder once — a row unique on
(kind, target, due date, step) — and notifies its recipients through ``notify()``.
"""

from .registry import (
    DateOffsetKind,
    Due,
    ReminderKind,
    all_kinds,
    autodiscover,
    get_kind,
    register,
    setting_days,
)

__all__ = ["DateOffsetKind", "Due", "ReminderKind", "all_kinds", "autodiscover", "get_kind",
           "register", "setting_days"]

# The core app's own kinds: this package is also what autodiscovery imports for core.
from . import documents  # noqa: E402, F401
