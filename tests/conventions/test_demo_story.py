"""The demo tells one consistent story: statuses, dates and documents agree."""

import pytest
from django.core.management import call_command
from django.utils import timezone

from conventions.models import (
    Convention,
    ConventionStatus,
    Payment,
    PaymentStatus,
    ScheduleLine,
)
from funds.models import Application, ApplicationStatus, Award, Call

pytestmark = pytest.mark.django_db


def test_the_demo_tells_one_consistent_story(django_capture_on_commit_callbacks):
    # One seed (it takes a while), every invariant checked on it.
    with django_capture_on_commit_callbacks(execute=True):
        call_command("seed_demo", verbosity=0)
    today = timezone.localdate()
    _every_application_past_draft_shows_its_deposited_versions(today)
    _awards_and_awarded_applications_match(today)
    _no_past_convention_is_left_unsigned_and_no_payment_precedes_its_signature(today)
    _published_results_are_public_and_their_winners_awarded()


def _every_application_past_draft_shows_its_deposited_versions(demo):
    for application in Application.objects.exclude(status=ApplicationStatus.DRAFT):
        versions = list(application.versions.all())
        assert versions, f"{application.title}: « Pas encore déposé » on a {application.status}"
        assert len(versions) == application.version
        assert application.submitted_at is not None
        assert all(v.receipt for v in versions), f"{application.title}: receipt missing"
        assert all(v.submitted_at.date() <= demo for v in versions)


def _awards_and_awarded_applications_match(demo):
    awarded = set(Application.objects.filter(status=ApplicationStatus.AWARDED)
                  .values_list("pk", flat=True))
    assert awarded == set(Award.objects.values_list("application_id", flat=True))
    for award in Award.objects.select_related("application__call"):
        assert award.deliberation_date <= demo
        assert award.amount <= award.application.amount_requested


def _no_past_convention_is_left_unsigned_and_no_payment_precedes_its_signature(demo):
    for convention in Convention.objects.all():
        if convention.end_date.year < demo.year:
            assert convention.status not in (ConventionStatus.DRAFT, ConventionStatus.SENT), (
                f"{convention}: a past convention still {convention.status}")
        if convention.award_id:
            assert convention.start_date >= convention.award.deliberation_date
    for payment in Payment.objects.filter(status=PaymentStatus.PAID).select_related(
            "line__year__convention"):
        convention = payment.line.year.convention
        assert convention.signed_on and convention.signed_on <= payment.paid_on <= demo
    for line in ScheduleLine.objects.filter(planned_date__isnull=False).select_related(
            "year__convention"):
        convention = line.year.convention
        assert line.planned_date >= min(convention.start_date,
                                        convention.signed_on or convention.start_date), (
            f"{convention}: {line.kind} planned on {line.planned_date}, before the project")

def _published_results_are_public_and_their_winners_awarded():
    for call in Call.objects.filter(results_published_at__isnull=False):
        assert call.phase in ("results", "closed")
        winners = set(call.results_computation.winner_ids())
        assert winners == set(Award.objects.filter(application__call=call)
                              .values_list("application_id", flat=True))
