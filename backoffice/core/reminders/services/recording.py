"""Recording due reminders exactly once: each batch inserted with ``ON CONFLICT DO NOTHING`` on
the unique key, the delivery of the rows really inserted queued by the same transaction."""

from __future__ import annotations

import datetime as dt
import json

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import connection, transaction
from django.db.models import BigIntegerField, F, Value
from django.utils import timezone

from ...models import Reminder, ReminderStatus
from .. import rules
from ..registry import DateOffsetKind, Due, ReminderKind

INSERT_COLUMNS = ["kind", "target_type", "target_id", "due_date", "step", "remind_on",
                  "organisation", "target_repr", "recipient_ids", "context", "url", "status",
                  "late", "created_at", "sent_by"]
INSERT_CHUNK = 500
ARRAY_COLUMNS = ["kind", "target_type_id", "target_id", "due_date", "step", "remind_on",
                 "organisation_id", "target_repr", "recipient_ids", "context", "url", "late"]
UNIQUE_KEY = "kind, target_type_id, target_id, due_date, step"

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
    from ...tasks import deliver_reminders_task

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
    from ...tasks import deliver_reminders_task

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
