"""Call phases: one transition function, every switch logged."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from backoffice.core.notifications import Event, notify
from backoffice.core.permissions import require

from .. import rules
from ..models import Call, CallPhase
from ..permissions import can


def call_set_phase(*, call: Call, phase: str, actor, reason: str = "") -> Call:
    """Move a call to the next or previous phase of its own sequence (the vote only exists for
    participatory budgets). Invariant: a call never jumps phases, each switch is audited, and
    only an agent (``call.manage``) moves it by hand; the dates move it by themselves
    (``calls_advance_phases``)."""
    require(can, actor, "call.manage", call)
    return _call_set_phase(call=call, phase=phase, actor=actor, reason=reason)


def _call_set_phase(*, call: Call, phase: str, actor, reason: str = "") -> Call:
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
            call = _call_set_phase(call=call, phase=rules.phase_after(call.phase, dates),
                                   actor=None, reason=_("date atteinte"))
            steps += 1
    return steps
