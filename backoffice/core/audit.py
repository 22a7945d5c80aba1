"""Business audit trail. Field-level history of money models is django-simple-history's job."""

from __future__ import annotations

from django.contrib.contenttypes.models import ContentType
from django.db import models

from .models import AuditEvent


def audit_log(*, event: str, obj: models.Model | None, actor=None, message: str = "",
              data: dict | None = None) -> AuditEvent:
    """Record who did what to which object, and when. Always written in the caller's transaction."""
    return AuditEvent.objects.create(
        actor=actor if getattr(actor, "pk", None) else None,
        event=str(event),
        content_type=ContentType.objects.get_for_model(obj) if obj is not None else None,
        object_id=str(obj.pk) if obj is not None else "",
        object_repr=str(obj)[:255] if obj is not None else "",
        message=message,
        data=data or {},
    )


def audit_events_for(obj: models.Model):
    """The audit trail of one object, newest first, with actors loaded."""
    return AuditEvent.objects.filter(
        content_type=ContentType.objects.get_for_model(obj), object_id=str(obj.pk)
    ).select_related("actor")
