"""The reminder engine: find what is due, record it once, notify once.

Exactly once, by construction:
1. ``reminders_record`` inserts each due reminder with ``ON CONFLICT DO NOTHING`` on the unique
   key (kind, target, due date, step) and, in the same transaction, queues the delivery of the
   rows it actually inserted (``transaction.on_commit``). A re-run, a concurrent scan (blocked
   on the first one's uncommitted rows, then skipping them) or a crashed worker inserts nothing
   twice, so nobody is notified twice.
2. ``reminder_deliver`` flips a reminder from pending to sent under a row lock, in the same
   transaction as its ``notify()``: a redelivered task finds it sent and does nothing.
3. E-mails are sent by ``send_notification_email_task`` under a row lock on the notification.
Pending rows are an outbox: ``reminders_requeue_stale`` queues again whatever a crash between
commit and queueing left behind, so nothing is missed either.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import BigIntegerField, F, Value
from django.utils import timezone
from django.utils.translation import gettext as _

from ..audit import audit_log
from ..models import EmailStatus, Notification, Reminder, ReminderRun, ReminderStatus, User
from ..notifications import notify
from ..permissions import can, require
from . import rules
from .registry import DateOffsetKind, Due, ReminderKind, all_kinds, get_kind

INSERT_COLUMNS = ["kind", "target_type", "target_id", "due_date", "step", "remind_on",
                  "organisation", "target_repr", "recipient_ids", "context", "url", "status",
                  "late", "created_at", "sent_by"]
INSERT_CHUNK = 500
ARRAY_COLUMNS = ["kind", "target_type_id", "target_id", "due_date", "step", "remind_on",
                 "organisation_id", "target_repr", "recipient_ids", "context", "url", "late"]
UNIQUE_KEY = "kind, target_type_id, target_id, due_date, step"

ALLOWED_TRANSITIONS = {
    ReminderStatus.PENDING: {ReminderStatus.SENT, ReminderStatus.CANCELLED},
    ReminderStatus.SENT: set(),
    ReminderStatus.CANCELLED: set(),
}


@dataclass
class RunReport:
    day: dt.date
    start: dt.date
    due: int = 0
    sent: int = 0
    skipped_already_sent: int = 0
    late: int = 0
    dry_run: bool = False
    by_kind: dict = field(default_factory=dict)

    def as_dict(self) -> dict:
        result = {"date": self.day.isoformat(), "due": self.due, "sent": self.sent,
                  "skipped_already_sent": self.skipped_already_sent}
        if self.dry_run:
            result["dry_run"] = True
        return result


def _batch_size() -> int:
    return settings.REMINDERS_BATCH_SIZE


def _insert_new(rows: list[dict]) -> list[int]:
    """INSERT … ON CONFLICT DO NOTHING RETURNING id: the ids of the rows really inserted."""
    if not rows:
        return []
    if connection.vendor == "postgresql":
        return _insert_new_postgresql(rows)
    fields = [Reminder._meta.get_field(name) for name in INSERT_COLUMNS]
    quote = connection.ops.quote_name
    columns = ", ".join(quote(f.column) for f in fields)
    placeholder = "(" + ", ".join(["%s"] * len(fields)) + ")"
    inserted: list[int] = []
    with connection.cursor() as cursor:
        for index in range(0, len(rows), INSERT_CHUNK):
            chunk = rows[index:index + INSERT_CHUNK]
            params = [f.get_db_prep_save(row[f.attname], connection) for row in chunk
                      for f in fields]
            cursor.execute(
                f"INSERT INTO {quote(Reminder._meta.db_table)} ({columns}) "
                f"VALUES {', '.join([placeholder] * len(chunk))} "
                f"ON CONFLICT ({UNIQUE_KEY}) DO NOTHING RETURNING id", params)
            inserted.extend(row[0] for row in cursor.fetchall())
    return inserted


def _insert_new_postgresql(rows: list[dict]) -> list[int]:
    # The whole batch travels as one JSON document expanded by jsonb_to_recordset: one
    # parameter whatever the batch size, encoded by the C json encoder, parsed by the server.
    payload = json.dumps([{
        **{name: row[name] for name in ARRAY_COLUMNS},
        "due_date": row["due_date"].isoformat(), "remind_on": row["remind_on"].isoformat(),
    } for row in rows])
    first = rows[0]
    with connection.cursor() as cursor:
        cursor.execute(f"""
            INSERT INTO core_reminder (kind, target_type_id, target_id, due_date, step,
                remind_on, organisation_id, target_repr, recipient_ids, context, url, late,
                status, created_at, sent_by_id)
            SELECT kind, target_type_id, target_id, due_date, step, remind_on, organisation_id,
                target_repr, recipient_ids, context, url, late, %s, %s, %s
            FROM jsonb_to_recordset(%s::jsonb) AS t(
                kind text, target_type_id int, target_id bigint, due_date date, step text,
                remind_on date, organisation_id bigint, target_repr text, recipient_ids jsonb,
                context jsonb, url text, late boolean)
            ON CONFLICT ({UNIQUE_KEY}) DO NOTHING RETURNING id""",
                       [first["status"], first["created_at"], first["sent_by_id"], payload])
        return [row[0] for row in cursor.fetchall()]


def _existing_keys(kind: ReminderKind, dues: list[Due]) -> set[tuple]:
    type_ids = {ContentType.objects.get_for_model(due.target).pk for due in dues}
    rows = Reminder.objects.filter(
        kind=kind.code, target_type_id__in=type_ids,
        target_id__in={due.target.pk for due in dues},
    ).values_list("target_type_id", "target_id", "due_date", "step")
    return set(rows)


def reminders_record(*, kind: ReminderKind, dues: list[Due], day: dt.date, actor=None,
                     dry_run: bool = False) -> tuple[list[int], int]:
    """Record the due reminders of one batch and queue their delivery, all or nothing.

    Returns (ids of reminders recorded now, number skipped because already recorded).
    Invariant: a (kind, target, due date, step) is recorded at most once, ever, and its
    delivery is queued only by the transaction that recorded it.
    """
    from ..tasks import deliver_reminders_task

    if not dues:
        return [], 0
    if dry_run:
        existing = _existing_keys(kind, dues)
        skipped = sum(
            (ContentType.objects.get_for_model(d.target).pk, d.target.pk, d.due_date, d.step)
            in existing for d in dues)
        return [], skipped
    now = timezone.now()
    rows = [{
        "kind": kind.code,
        "target_type_id": ContentType.objects.get_for_model(due.target).pk,
        "target_id": due.target.pk, "due_date": due.due_date, "step": due.step,
        "remind_on": due.remind_on, "organisation_id": due.organisation_id,
        "target_repr": due.target_repr or str(due.target)[:255],
        "recipient_ids": list(due.recipients), "context": due.context, "url": due.url,
        "status": ReminderStatus.PENDING, "late": due.remind_on < day, "created_at": now,
        "sent_by_id": getattr(actor, "pk", None),
    } for due in dues]
    with transaction.atomic():
        ids = _insert_new(rows)
        if ids:
            transaction.on_commit(lambda: deliver_reminders_task.delay(ids))
    return ids, len(dues) - len(ids)


def _set_based(kind: ReminderKind) -> bool:
    return (isinstance(kind, DateOffsetKind) and kind.set_based
            and connection.vendor == "postgresql")


def _record_found(*, kind, start, end, day, dry_run):
    """Record the batches a kind finds in Python (any kind; dry runs)."""
    for batch in kind.find(start, end, batch_size=_batch_size()):
        ids, skipped = reminders_record(kind=kind, dues=batch, day=day, dry_run=dry_run)
        yield len(batch), len(ids), skipped, sum(due.remind_on < day for due in batch)


def _record_set_based(*, kind: DateOffsetKind, start, end, day):
    """Record a date-offset kind's batches inside PostgreSQL: each batch is ONE statement for
    all the kind's steps — it selects the next targets due at any step (keyset on the date and
    the id, through their index), joins them to the steps whose reminding day falls in the
    window, and inserts those with ON CONFLICT DO NOTHING RETURNING id. Recipients and message
    are resolved when the reminder is delivered (``reminder_deliver``), which also re-checks
    it is still due. Yields (due, recorded, skipped, late) per batch; queues each batch's
    delivery on commit.

    Each batch commits with ``synchronous_commit`` off: the commit is visible at once but its
    WAL flush is deferred a few milliseconds. This keeps exactly-once: a crash can only lose
    recorded rows that nobody was notified about (deliveries commit synchronously, and a
    synchronous flush writes all earlier WAL first), and the next run records them again.
    """
    from ..tasks import deliver_reminders_task

    steps = sorted(set(kind.offsets()))
    if not steps:
        return
    model = kind.get_queryset().model
    target_type_id = ContentType.objects.get_for_model(model).pk
    size = _batch_size()
    quote = connection.ops.quote_name
    # A batch is the next ``size`` rows of the (date, id) index within the due dates — a
    # bounded index range scan whatever the table size — and the kind's own conditions (joins,
    # "not received yet"…) are applied to those rows only, so the planner starts from them.
    candidates = (model._base_manager.filter(kind.due_within(start, end, steps))
                  .order_by(kind.date_field, "pk").values_list("pk", kind.date_field))
    queryset = (kind.get_queryset()
                .extra(where=[f"{quote(model._meta.db_table)}.{quote(model._meta.pk.column)} "
                              "IN (SELECT candidate_id FROM candidates)"])
                .order_by()
                .annotate(reminder_organisation=(
                    F(kind.organisation_field) if kind.organisation_field
                    else Value(None, output_field=BigIntegerField())))
                .values_list("pk", kind.date_field, "reminder_organisation"))
    batch_sql, batch_params = queryset.query.sql_with_params()
    labels = [rules.step_label(offset) for offset in steps]
    last = None
    while True:
        page = candidates if last is None else candidates.extra(where=[kind.keyset_sql()],
                                                                params=last)
        sql, params = page[:size].query.sql_with_params()
        with transaction.atomic(), connection.cursor() as cursor:
            # set_config(…, true) is SET LOCAL inside the statement: one round trip less.
            cursor.execute(f"""
                WITH candidates (candidate_id, candidate_date) AS ({sql}),
                batch (target_id, due_date, organisation_id) AS ({batch_sql}),
                steps (shift, step) AS (SELECT * FROM unnest(%s::int[], %s::text[])),
                due AS (
                    SELECT batch.target_id, batch.due_date, batch.organisation_id, steps.step,
                        batch.due_date + steps.shift AS remind_on
                    FROM batch JOIN steps
                        ON batch.due_date + steps.shift BETWEEN %s AND %s),
                inserted AS (
                    INSERT INTO core_reminder (kind, target_type_id, target_id, due_date,
                        step, remind_on, organisation_id, target_repr, recipient_ids,
                        context, url, status, late, created_at)
                    SELECT %s, %s, target_id, due_date, step, remind_on, organisation_id,
                        '', '[]', '{{}}', '', %s, remind_on < %s, %s
                    FROM due
                    ON CONFLICT ({UNIQUE_KEY}) DO NOTHING RETURNING id, late)
                SELECT (SELECT count(*) FROM candidates), (SELECT count(*) FROM due),
                       (SELECT array[candidate_date::text, candidate_id::text]
                        FROM candidates
                        ORDER BY candidate_date DESC, candidate_id DESC LIMIT 1),
                       (SELECT array_agg(id ORDER BY id) FROM inserted),
                       (SELECT count(*) FROM inserted WHERE late),
                       set_config('synchronous_commit', 'off', true)""",
                           [*params, *batch_params, steps, labels, start, end, kind.code, target_type_id,
                            ReminderStatus.PENDING, day, timezone.now()])
            found, due, last_key, ids, late, _setting = cursor.fetchone()
            ids = ids or []
            if ids:
                transaction.on_commit(lambda ids=ids: deliver_reminders_task.delay(ids))
        if due:
            yield due, len(ids), due - len(ids), late
        if found < size:
            break
        last = [dt.date.fromisoformat(last_key[0]), int(last_key[1])]


def reminders_run(*, day: dt.date | None = None, dry_run: bool = False,
                  kinds: list[ReminderKind] | None = None) -> RunReport:
    """The daily job: record and queue every reminder due from the day after the last
    successful run (within the look-back window) up to ``day``.

    Invariant: running it again, or twice at once, for the same day sends nothing more; a
    reminder found for a day already past is flagged late and its message says so.
    """
    day = day or timezone.localdate()
    last_success = (ReminderRun.objects.filter(succeeded=True, day__lt=day)
                    .order_by("-day").values_list("day", flat=True).first())
    start, end = rules.scan_window(day=day, last_success=last_success,
                                   lookback_days=settings.REMINDERS_LOOKBACK_DAYS)
    report = RunReport(day=day, start=start, dry_run=dry_run)
    run = None if dry_run else ReminderRun.objects.create(day=day, scanned_from=start)
    try:
        for kind in kinds or all_kinds():
            counts = report.by_kind.setdefault(kind.code, {"due": 0, "sent": 0})
            if not dry_run and _set_based(kind):
                batches = _record_set_based(kind=kind, start=start, end=end, day=day)
            else:
                batches = _record_found(kind=kind, start=start, end=end, day=day,
                                        dry_run=dry_run)
            for due, sent, skipped, late in batches:
                counts["due"] += due
                counts["sent"] += sent if not dry_run else due - skipped
                report.due += due
                report.sent += sent
                report.skipped_already_sent += skipped
                report.late += late
        if not dry_run:
            reminders_requeue_stale()
    except Exception as exc:
        if run is not None:
            ReminderRun.objects.filter(pk=run.pk).update(
                finished_at=timezone.now(), error=repr(exc)[:2000],
                due=report.due, sent=report.sent, skipped=report.skipped_already_sent)
        raise
    if run is not None:
        ReminderRun.objects.filter(pk=run.pk).update(
            finished_at=timezone.now(), succeeded=True, due=report.due, sent=report.sent,
            skipped=report.skipped_already_sent)
    return report


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


def reminders_requeue_stale() -> tuple[int, int]:
    """Queue again what a crash left behind: reminders recorded but still pending, and
    notifications whose e-mail was never attempted, older than REMINDERS_REQUEUE_AFTER_MINUTES.

    Safe to call any time: delivery and sending are idempotent under row locks.
    """
    from ..tasks import deliver_reminders_task, send_notification_email_task

    cutoff = timezone.now() - dt.timedelta(minutes=settings.REMINDERS_REQUEUE_AFTER_MINUTES)
    limit = settings.REMINDERS_REQUEUE_LIMIT
    reminder_ids = list(Reminder.objects.filter(status=ReminderStatus.PENDING,
                                                created_at__lte=cutoff)
                        .order_by("pk").values_list("pk", flat=True)[:limit])
    notification_ids = list(Notification.objects.filter(
        email_status=EmailStatus.PENDING, email_attempts=0, created_at__lte=cutoff,
    ).order_by("pk").values_list("pk", flat=True)[:limit])
    size = _batch_size()
    for index in range(0, len(reminder_ids), size):
        chunk = reminder_ids[index:index + size]
        transaction.on_commit(lambda chunk=chunk: deliver_reminders_task.delay(chunk))
    for pk in notification_ids:
        transaction.on_commit(lambda pk=pk: send_notification_email_task.delay(pk))
    return len(reminder_ids), len(notification_ids)
