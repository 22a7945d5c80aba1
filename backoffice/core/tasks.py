"""Thin Celery wrappers around core services: take ids, call one service, return small values."""

from celery import shared_task
from django.conf import settings
from django.utils.dateparse import parse_date


@shared_task(bind=True, max_retries=8, acks_late=True)
def send_notification_email_task(self, notification_id: int) -> bool:
    """Send the e-mail of one notification at most once (marked sent under a row lock).

    Delivery failures (SMTP and network errors are OSError) are retried with exponential
    backoff; each attempt and its error are recorded, the last one marks a permanent failure.
    """
    from .notifications import notification_email_failed, notification_email_send

    try:
        return notification_email_send(notification_id=notification_id)
    except OSError as exc:
        final = self.request.retries >= self.max_retries
        notification_email_failed(notification_id=notification_id, error=repr(exc), final=final)
        if final:
            return False
        countdown = min(settings.NOTIFICATION_RETRY_MAX_SECONDS,
                        settings.NOTIFICATION_RETRY_BASE_SECONDS * 2 ** self.request.retries)
        raise self.retry(exc=exc, countdown=countdown) from exc


@shared_task(acks_late=True)
def deliver_reminders_task(reminder_ids: list[int]) -> int:
    """Notify each recorded reminder of a batch once (idempotent: sent ones are skipped)."""
    from .reminders.services import reminder_deliver

    return sum(reminder_deliver(reminder_id=pk) for pk in reminder_ids)


@shared_task(acks_late=True)
def reminders_daily_task(day: str | None = None) -> dict:
    """The daily beat job: record and queue every due reminder (catching up missed days)."""
    from .reminders.services import reminders_run

    return reminders_run(day=parse_date(day) if day else None).as_dict()


@shared_task(acks_late=True)
def reminders_requeue_task() -> list[int]:
    """Queue again deliveries and e-mails a crash left pending (idempotent)."""
    from .reminders.services import reminders_requeue_stale

    return list(reminders_requeue_stale())


@shared_task(acks_late=True)
def send_digests_task() -> int:
    """Queue one digest e-mail per user with notifications waiting for it."""
    from .notifications import digest_recipients

    users = digest_recipients()
    for user_id in users:
        send_digest_task.delay(user_id)
    return len(users)


@shared_task(bind=True, max_retries=8, acks_late=True)
def send_digest_task(self, user_id: int) -> int:
    """Send one user's daily digest; each notification is listed in exactly one digest."""
    from .notifications import notification_digest_send

    try:
        return notification_digest_send(user_id=user_id)
    except OSError as exc:
        raise self.retry(exc=exc, countdown=min(
            settings.NOTIFICATION_RETRY_MAX_SECONDS,
            settings.NOTIFICATION_RETRY_BASE_SECONDS * 2 ** self.request.retries)) from exc


@shared_task
def ping_task(value: str = "pong") -> str:
    """A no-op task used by /healthz-style checks and the worker tests."""
    return value
