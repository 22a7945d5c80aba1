"""Thin Celery wrappers around core services."""

from celery import shared_task
from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.utils import timezone

from .models import Notification


@shared_task(bind=True, autoretry_for=(OSError,), retry_backoff=30, retry_backoff_max=3600,
             max_retries=8, acks_late=True)
def send_notification_email_task(self, notification_id: int) -> bool:
    """Send the e-mail of one notification at most once (emailed_at is set under a row lock)."""
    from .notifications import render_notification_email

    with transaction.atomic():
        notification = (
            Notification.objects.select_for_update().select_related("recipient")
            .filter(pk=notification_id).first()
        )
        if notification is None or notification.emailed_at is not None:
            return False
        subject, text, html = render_notification_email(notification)
        message = EmailMultiAlternatives(subject, text, settings.DEFAULT_FROM_EMAIL,
                                         [notification.recipient.email])
        if html:
            message.attach_alternative(html, "text/html")
        message.send()
        notification.emailed_at = timezone.now()
        notification.save(update_fields=["emailed_at"])
    return True


@shared_task
def ping_task(value: str = "pong") -> str:
    """A no-op task used by /healthz-style checks and the worker tests."""
    return value
