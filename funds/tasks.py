"""Thin Celery wrappers around funds services."""

from celery import shared_task
from django.utils import timezone

from . import services


@shared_task(acks_late=True)
def application_receipt_task(version_id: int) -> bool:
    """Generate the receipt PDF of one submitted version (idempotent: kept once written)."""
    return services.application_receipt_generate(version_id=version_id)


@shared_task(acks_late=True)
def calls_advance_phases_task() -> int:
    """Switch calls to the phase their dates give for today (idempotent within a day)."""
    return services.calls_advance_phases(today=timezone.localdate())


@shared_task(acks_late=True)
def vote_computation_run_task(computation_id: int) -> str:
    """Compute the winners of one stored request (idempotent: a finished one is kept)."""
    from .voting.results import vote_computation_run

    return vote_computation_run(computation_id=computation_id).status


@shared_task(autoretry_for=(OSError,), retry_backoff=30, max_retries=8, acks_late=True)
def voter_verification_email_task(voter_id: int) -> bool:
    """Send the signed verification link to a voter (nothing once the e-mail is verified)."""
    from .voting.services import voter_send_verification

    return voter_send_verification(voter_id=voter_id)
