"""The daily run: every kind scanned over the window since the last successful run, and what a
crash left pending queued again."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from ...models import EmailStatus, Notification, Reminder, ReminderRun, ReminderStatus
from .. import rules
from ..registry import ReminderKind, all_kinds
from .recording import _batch_size, _record_found, _record_set_based, _set_based


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


def reminders_requeue_stale() -> tuple[int, int]:
    """Queue again what a crash left behind: reminders recorded but still pending, and
    notifications whose e-mail was never attempted, older than REMINDERS_REQUEUE_AFTER_MINUTES.

    Safe to call any time: delivery and sending are idempotent under row locks.
    """
    from ...tasks import deliver_reminders_task, send_notification_email_task

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
