"""Celery tasks of the conventions app: thin, take ids, call one service."""

from __future__ import annotations

from celery import shared_task
from django.conf import settings


@shared_task(bind=True, acks_late=True, max_retries=None)
def document_render_task(self, document_id: int) -> str:
    """Render one document version. Idempotent (a ready version is left alone); a failed render
    is recorded then retried up to CONVENTIONS_DOCUMENT_MAX_RETRIES times."""
    from .services.documents import DocumentRenderError, document_render

    try:
        document = document_render(document_id=document_id)
    except DocumentRenderError as exc:
        if self.request.is_eager:
            # Demo without a broker: the failure is recorded on the document, shown in pages.
            return ""
        if self.request.retries >= settings.CONVENTIONS_DOCUMENT_MAX_RETRIES:
            raise
        raise self.retry(exc=exc, countdown=2 ** self.request.retries) from exc
    return document.sha256
