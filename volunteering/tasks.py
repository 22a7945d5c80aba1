"""Thin Celery tasks of the volunteering app: take ids, call one service."""

from __future__ import annotations

from celery import shared_task

from . import importing, services


@shared_task(acks_late=True, reject_on_worker_lost=True, max_retries=2)
def attestation_generate_task(attestation_id: int) -> str:
    """Generate one attestation PDF. Idempotent: a ready attestation is not regenerated, so a
    redelivered message does nothing twice."""
    try:
        attestation = services.attestation_generate(attestation_id=attestation_id)
    except Exception as exc:
        services.attestation_fail(attestation_id=attestation_id, error=repr(exc))
        raise
    return attestation.status


@shared_task(acks_late=True, reject_on_worker_lost=True)
def stale_import_uploads_purge_task() -> int:
    """Delete previewed import files that were never confirmed (idempotent)."""
    return importing.stale_uploads_purge()
