"""Call phases: one transition function, every switch logged."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from backoffice.core.notifications import Event, notify

from .. import rules
from ..models import Call, CallPhase


def call_set_phase(*, call: Call, phase: str, actor=None, reason: str = "") -> Call:
    """Move a call to the next or previous phase of its own sequence (the vote only exists for
    participatory budgets). Invariant: a call never jumps phases, and each switch is audited."""
    with transaction.atomic():
        call = Call.objects.select_for_update().get(pk=call.pk)
        dates = call.phase_dates()
        sequence = ["draft", *[p for p in rules.PHASE_ORDER if p in dates]]
        if phase not in sequence:
            raise ValidationError({"phase": _("Cette phase n'existe pas pour cet appel.")})
        if abs(sequence.index(phase) - sequence.index(call.phase)) != 1:
            raise ValidationError({"phase": _(
                "Un appel passe d'une phase à la suivante ou à la précédente, pas de « %(from)s » "
                "à « %(to)s ».") % {"from": CallPhase(call.phase).label,
                                     "to": CallPhase(phase).label}})
        previous = call.phase
        call.phase = phase
        call.full_clean()
        call.save(update_fields=["phase"])
        message = _("Phase « %(from)s » → « %(to)s »") % {
            "from": CallPhase(previous).label, "to": CallPhase(phase).label}
        if reason:
            message = f"{message} : {reason}"
        notify(Event.CALL_PHASE_CHANGED, call, actor, recipients=[], send_email=False,
               context={"message": message})
    return call


def calls_advance_phases(*, today: dt.date) -> int:
    """Move every call forward to the phase its dates give for ``today``, one logged step at a
    time. Idempotent: a second run the same day changes nothing. Returns the number of steps."""
    steps = 0
    for call in Call.objects.exclude(phase=CallPhase.CLOSED).order_by("pk"):
        dates = call.phase_dates()
        target = rules.phase_on(dates, today)
        while rules.PHASE_ORDER.index(call.phase) < rules.PHASE_ORDER.index(target):
            call = call_set_phase(call=call, phase=rules.phase_after(call.phase, dates),
                                  reason=_("date atteinte"))
            steps += 1
    return steps
