"""The funds services check can() themselves: a command, a task or the admin calling them with
the wrong actor is refused with the French reason, and nothing is saved."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from backoffice.core.roles import Role
from funds import services
from funds.models import ApplicationStatus, Award, Ballot, Call, CallPhase, VoteComputation
from funds.voting import results
from funds.voting import services as voting
from tests.factories import OrganisationFactory, UserFactory, member_of, staff_user

from .factories import ApplicationFactory, CallFactory

pytestmark = pytest.mark.django_db

DELIBERATION = {"deliberation_reference": "DEL-2026-12", "deliberation_date": dt.date(2026, 3, 2)}


def _refused(reason: str):
    return pytest.raises(PermissionDenied, match=reason)


def test_award_reject_and_batch_need_a_decision_maker():
    application = ApplicationFactory(eligible=True)
    for actor in (None, staff_user(Role.INSTRUCTOR), member_of(application.organisation)):
        with _refused("connecté|réservée aux décideurs"):
            services.application_award(application=application, actor=actor,
                                       amount=Decimal("1000"), nature="operating",
                                       **DELIBERATION)
        with _refused("connecté|réservée aux décideurs"):
            services.application_reject(application=application, actor=actor, motivation="Non")
        with _refused("connecté|réservée aux décideurs"):
            services.applications_decide_batch(decisions=[{
                "application": application, "decision": "award", "amount": Decimal("1000"),
                "nature": "operating"}], actor=actor, **DELIBERATION)
    application.refresh_from_db()
    assert application.status == ApplicationStatus.ELIGIBLE and not Award.objects.exists()


def test_review_services_need_an_instructor():
    application = ApplicationFactory(submitted=True)
    applicant = member_of(application.organisation)
    for actor in (applicant, staff_user(Role.DECISION_MAKER)):
        with _refused("réservée aux instructeurs"):
            services.application_review_save(application=application, user=actor,
                                             checklist={}, declare_eligible=True)
        with _refused("réservée aux instructeurs"):
            services.application_request_info(application=application, user=actor,
                                              message="?")
        with _refused("réservée aux instructeurs"):
            services.application_declare_eligible(application=application, user=actor)
        with _refused("réservée aux instructeurs"):
            services.application_declare_ineligible(application=application, user=actor,
                                                    motivation="Hors champ")
    application.refresh_from_db()
    assert application.status == ApplicationStatus.SUBMITTED and application.reviewed_by is None


def test_only_the_applicants_members_edit_and_submit():
    application = ApplicationFactory()
    outsider = member_of(OrganisationFactory())
    with _refused("membres du porteur"):
        services.application_update(application=application, user=outsider,
                                    data={"title": "Détourné"})
    with _refused("membres du porteur"):
        services.application_submit(application=application, user=outsider)
    application.refresh_from_db()
    assert application.status == ApplicationStatus.DRAFT and application.title != "Détourné"


def test_phases_by_hand_need_an_agent():
    call = CallFactory(phase=CallPhase.DRAFT)
    with _refused("agents de la collectivité"):
        services.call_set_phase(call=call, phase=CallPhase.OPEN, actor=UserFactory())
    call.refresh_from_db()
    assert call.phase == CallPhase.DRAFT


def test_vote_services_check_their_actor():
    call = CallFactory(participatory=True, phase=CallPhase.VOTE, max_choices=2)
    project = ApplicationFactory(call=call, eligible=True, amount_requested=Decimal("1000"))
    citizen = UserFactory()
    before = call.min_choices
    with _refused("agents de la collectivité"):
        results.call_vote_configure(call=call, actor=citizen, min_choices=call.min_choices + 1)
    with _refused("agents de la collectivité"):
        results.project_set_exclusion(application=project, actor=citizen, exclusion="withdrawn",
                                      reason="Retiré")
    project.refresh_from_db()
    assert project.vote_exclusion == ""
    with _refused("agents de la collectivité"):
        results.vote_computation_request(call=call, actor=citizen)
    # while the vote is open nobody computes (votes stay hidden), agents included
    with pytest.raises(ValidationError, match="Le vote est encore ouvert"):
        results.vote_computation_request(call=call, actor=staff_user())
    Call.objects.filter(pk=call.pk).update(phase=CallPhase.DECISION)
    call.refresh_from_db()
    computation = results.vote_computation_request(call=call, actor=staff_user())
    with _refused("réservée aux décideurs"):
        results.vote_results_publish(call=call, computation=computation,
                                     actor=staff_user(Role.INSTRUCTOR), **DELIBERATION)
    Call.objects.filter(pk=call.pk).update(phase=CallPhase.VOTE)
    call.refresh_from_db()
    voter = voting.voter_register(call=call, user=UserFactory(), first_name="Anne",
                                  last_name="Le Bris", birth_date=dt.date(1990, 1, 1))
    voter = voting.voter_verify(token=voting.verification_token(voter))
    with _refused("Seul le votant inscrit"):
        voting.ballot_cast(call=call, voter=voter, actor=citizen, choices=[project.pk])
    with _refused("connecté"):
        voting.ballot_cast(call=call, voter=voter, actor=None, choices=[project.pk])
    with _refused("agents de la collectivité"):
        voting.paper_ballot_enter(call=call, agent=citizen, first_name="Paul",
                                  last_name="Tanguy", birth_date=dt.date(1990, 1, 1),
                                  district=None, choices=[project.pk])
    assert not Ballot.objects.exists()
    assert VoteComputation.objects.count() == 1
    call.refresh_from_db()
    assert call.results_published_at is None and call.min_choices == before


def test_scorecard_pdf_and_reminder_sent_now_need_staff():
    from backoffice.core.reminders.services import reminder_send_now
    from dashboard import services as dashboard

    citizen = UserFactory()
    with _refused("agents et aux élus"):
        dashboard.scorecard_document_request(year=2026, actor=citizen)
    with _refused("agents et instructeurs"):
        reminder_send_now(kind_code="call_closing", target_type_id=0, target_id=0,
                          due_date=dt.date(2026, 1, 1), step="0", actor=citizen)
