"""Delivering a recorded reminder exactly once, under a row lock, and sending one now on an
agent's request."""

from __future__ import annotations

import datetime as dt

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ...audit import audit_log
from ...models import Reminder, ReminderStatus, User
from ...notifications import notify
from ...permissions import can, require
from .. import rules
from ..registry import Due, get_kind
from .recording import reminders_record

ALLOWED_TRANSITIONS = {
    ReminderStatus.PENDING: {ReminderStatus.SENT, ReminderStatus.CANCELLED},
    ReminderStatus.SENT: set(),
    ReminderStatus.CANCELLED: set(),
}


def _reminder_transition(reminder: Reminder, status: str, *, actor=None, message: str = "") -> None:
    """The one place a reminder's status changes; every change is audited."""
    if status not in ALLOWED_TRANSITIONS[ReminderStatus(reminder.status)]:
        raise ValidationError(_("Transition de rappel impossible : %(old)s → %(new)s.")
                              % {"old": reminder.status, "new": status})
    previous = reminder.status
    reminder.status = status
    if status == ReminderStatus.SENT:
        reminder.sent_at = timezone.now()
    reminder.save(update_fields=["status", "sent_at"])
    audit_log(event=f"reminder_{status}", obj=reminder, actor=actor, message=message,
              data={"from": previous, "to": status, "kind": reminder.kind, "step": reminder.step})


def reminder_deliver(*, reminder_id: int) -> bool:
    """Notify the recipients of one recorded reminder, exactly once.

    Invariant: the pending → sent change and the notify() it guards commit together under a
    row lock, so concurrent or repeated deliveries of the same row notify once.
    """
    with transaction.atomic():
        reminder = (Reminder.objects.select_for_update(of=("self",)).select_related("target_type", "sent_by")
                    .filter(pk=reminder_id).first())
        if reminder is None or reminder.status != ReminderStatus.PENDING:
            return False
        kind = get_kind(reminder.kind)
        model = reminder.target_type.model_class()
        target = model._default_manager.filter(pk=reminder.target_id).first() if model else None
        # Re-check at delivery that it is still due (a renewed document, a report received
        # meanwhile: no reminder), and resolve today's recipients and message.
        due = None
        if kind is not None and target is not None:
            due = next((d for d in kind.find_for(target)
                        if d.due_date == reminder.due_date and d.step == reminder.step), None)
        if due is None:
            _reminder_transition(reminder, ReminderStatus.CANCELLED,
                                 message=_("Rappel annulé : il n'est plus dû ou son objet a "
                                           "disparu."))
            return False
        reminder.recipient_ids = list(due.recipients)
        reminder.context = due.context
        reminder.url = due.url
        reminder.target_repr = (due.target_repr or str(target))[:255]
        reminder.save(update_fields=["recipient_ids", "context", "url", "target_repr"])
        recipients = list(User.objects.filter(pk__in=reminder.recipient_ids, is_active=True))
        if not recipients:
            _reminder_transition(reminder, ReminderStatus.CANCELLED,
                                 message=_("Rappel annulé : aucun destinataire."))
            return False
        # Counted from the reminder's own day (a run dated ahead by hand), or from today when
        # it goes out late.
        days_left = rules.days_until(reminder.due_date, max(reminder.remind_on,
                                                            timezone.localdate()))
        notify(kind.event, target, reminder.sent_by, recipients=recipients, url=reminder.url,
               topic=kind.code, context={
                   **reminder.context, "reminder": reminder, "kind_label": kind.label,
                   "due_date": reminder.due_date, "remind_on": reminder.remind_on,
                   "step": reminder.step, "late": reminder.late,
                   "days_left": days_left, "days_overdue": max(0, -days_left),
                   "message": _("Rappel %(step)s : %(kind)s") % {"step": reminder.step,
                                                                  "kind": kind.label},
               })
        _reminder_transition(reminder, ReminderStatus.SENT, actor=reminder.sent_by)
    return True


def reminder_send_now(*, kind_code: str, target_type_id: int, target_id: int,
                      due_date: dt.date, step: str, actor) -> tuple[Reminder, bool]:
    """Send one upcoming reminder now, on an agent's request, with the same exactly-once key:
    returns (reminder, True) when recorded now, (existing reminder, False) when it already was.
    The daily job will then find it recorded and skip it. Agents and instructors only
    (``reminder.send_now``)."""
    require(can, actor, "reminder.send_now")
    kind = get_kind(kind_code)
    if kind is None:
        raise ValidationError(_("Type de rappel inconnu."))
    content_type = ContentType.objects.filter(pk=target_type_id).first()
    model = content_type.model_class() if content_type else None
    target = model._default_manager.filter(pk=target_id).first() if model else None
    if target is None:
        raise ValidationError(_("L'objet de ce rappel n'existe plus."))
    queryset = getattr(kind, "get_queryset", None)
    if queryset is not None and not isinstance(target, queryset().model):
        raise ValidationError(_("Ce type de rappel ne concerne pas cet objet."))
    due = next((d for d in kind.find_for(target) if d.due_date == due_date and d.step == step),
               None)
    if due is None:
        raise ValidationError(_("Ce rappel n'est plus dû (l'échéance a changé ou l'objet est "
                                "régularisé)."))
    today = timezone.localdate()
    due = Due(**{**due.__dict__, "remind_on": min(due.remind_on, today)})
    ids, _skipped = reminders_record(kind=kind, dues=[due], day=today, actor=actor)
    reminder = Reminder.objects.get(kind=kind.code, target_type_id=target_type_id,
                                    target_id=target_id, due_date=due_date, step=step)
    return reminder, bool(ids)
