"""Shared pieces of the volunteering services: transition tables, permission check, parsing
of hours and French messages."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _

from .. import rules
from ..models import (
    AttestationStatus,
    EntryStatus,
)
from ..permissions import can

ENTRY_TRANSITIONS = {
    EntryStatus.DRAFT: {EntryStatus.VALIDATED},
    EntryStatus.VALIDATED: {EntryStatus.DRAFT, EntryStatus.LOCKED},
    # A locked entry backs an approved financial report: only the report's reopening unlocks it.
    EntryStatus.LOCKED: {EntryStatus.VALIDATED},
}
ATTESTATION_TRANSITIONS = {
    AttestationStatus.PENDING: {AttestationStatus.READY, AttestationStatus.FAILED},
    AttestationStatus.READY: {AttestationStatus.PENDING},
    AttestationStatus.FAILED: {AttestationStatus.PENDING},
}


def _require(user, action: str, obj) -> None:
    allowed, reason = can(user, action, obj)
    if not allowed:
        raise PermissionDenied(reason)


def rate_message(exc: rules.RateMissing) -> str:
    kind, qualification, on = exc.args
    return _("Aucun taux de valorisation (%(kind)s%(qualification)s) n'est en vigueur le "
             "%(date)s.") % {"kind": kind, "qualification": f", {qualification}" if qualification
                             else "", "date": on.strftime("%d/%m/%Y")}


def project_message(problem: str, reference: str, day: dt.date, periods: dict) -> str:
    """French explanation of rules.project_problem's answer."""
    if problem == rules.UNKNOWN_PROJECT:
        return _("Projet inconnu : « %(reference)s ».") % {"reference": reference}
    start, end = periods[reference]
    bound = start if problem == rules.BEFORE_PROJECT else end
    text = (_("Le %(date)s est avant le début du projet « %(reference)s » (%(bound)s).")
            if problem == rules.BEFORE_PROJECT else
            _("Le %(date)s est après la fin du projet « %(reference)s » (%(bound)s)."))
    return text % {"date": day.strftime("%d/%m/%Y"), "reference": reference,
                   "bound": bound.strftime("%d/%m/%Y")}


def parse_hours(value) -> Decimal:
    """Hours as Decimal from '3', '2,5', '2.5' or a Decimal; ValueError with a French message."""
    if isinstance(value, float):
        raise TypeError("Les heures ne passent jamais par un float.")
    if isinstance(value, Decimal):
        hours = value
    else:
        text = str(value).strip().replace(",", ".").replace(" ", "").lower().removesuffix("h")
        try:
            hours = Decimal(text)
        except InvalidOperation as exc:
            raise ValueError(_("Nombre d'heures illisible : « %(value)s ».") % {"value": value}) \
                from exc
    if not hours.is_finite() or hours <= 0:
        raise ValueError(_("Le nombre d'heures doit être strictement positif."))
    if hours > rules.MAX_HOURS_PER_DAY:
        raise ValueError(_("Une personne ne peut pas donner plus de 24 heures en un jour."))
    if hours != hours.quantize(Decimal("0.01")):
        raise ValueError(_("Les heures se saisissent au centième d'heure au plus."))
    return hours.quantize(Decimal("0.01"))
