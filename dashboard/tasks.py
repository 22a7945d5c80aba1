"""Celery tasks of the dashboard app: thin, take ids, call one service."""

from __future__ import annotations

from celery import shared_task


@shared_task(acks_late=True)
def scorecard_render_task(document_id: int) -> str:
    """Render one scorecard PDF (idempotent: a ready document is left alone)."""
    from .services import scorecard_document_render

    return scorecard_document_render(document_id=document_id).sha256
