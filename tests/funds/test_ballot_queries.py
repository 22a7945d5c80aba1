"""A ballot cast through the page or the API costs a small, fixed number of queries.

The vote-closing rush is thousands of ballots in the last hour: each query of ``ballot_cast``
counts. The rules stay whole (tests/funds/test_voting.py): these tests pin the price.
"""

import datetime as dt
import threading
from decimal import Decimal

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.formats import date_format

from funds.models import Ballot, BallotStyle, Call, CallPhase, District, Voter
from funds.services import calls_advance_phases
from funds.voting import services
from tests.factories import UserFactory

from .factories import ApplicationFactory, CallFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def district_call():
    call = CallFactory(participatory=True, phase=CallPhase.VOTE, max_choices=2,
                       voter_min_age=16, voter_residence="Lorient")
    call.district = District.objects.create(call=call, name="Kervénanec",
                                            envelope=Decimal("20000.00"))
    call.projects = [ApplicationFactory(call=call, eligible=True, district=call.district,
                                        amount_requested=Decimal(a))
                     for a in ("4000.00", "3000.00", "2000.00")]
    return call


def _voter(call):
    voter = services.voter_register(call=call, user=UserFactory(), first_name="Anne",
                                    last_name="Le Bris", birth_date=dt.date(1990, 1, 1),
                                    resident=True, district=call.district)
    return services.voter_verify(token=services.verification_token(voter))


def _page_post(client, call, choices):
    return client.post(f"/fonds/appels/{call.pk}/vote/", {"choices": choices})


def _api_post(client, call, choices):
    return client.post(f"/api/v1/votes/{call.pk}/ballot/", {"choices": choices},
                       content_type="application/json")


@pytest.mark.parametrize("post, status", [(_page_post, 302), (_api_post, 200)],
                         ids=["page", "api"])
def test_a_ballot_costs_a_fixed_number_of_queries(client, district_call, post, status,
                                                  django_assert_num_queries):
    voter = _voter(district_call)
    client.force_login(voter.user)
    first, second = district_call.projects[0].pk, district_call.projects[1].pk
    # session, user, call; the transaction (a savepoint inside the test's); the voter locked
    # with its district and call; the projects' costs; the ballot; its write; the audit row.
    # Before: 19 on the page, 18 through the API (voter read twice, districts.exists() three
    # times, full_clean's existence checks of call and voter, an extra savepoint).
    with django_assert_num_queries(10):
        assert post(client, district_call, [first]).status_code == status
    # a changed ballot replaces the first one, for the same price
    with django_assert_num_queries(10):
        assert post(client, district_call, [first, second]).status_code == status
    assert list(Ballot.objects.filter(voter=voter).values_list("choices", flat=True)) == [
        [first, second]]
    assert Voter.objects.filter(call=district_call).count() == 1


def test_a_call_without_districts_asks_for_them_once(client, django_assert_num_queries):
    call = CallFactory(participatory=True, phase=CallPhase.VOTE, max_choices=2)
    project = ApplicationFactory(call=call, eligible=True)
    call.district = None
    voter = _voter(call)
    client.force_login(voter.user)
    with django_assert_num_queries(11):
        assert _api_post(client, call, [project.pk]).status_code == 200


def _refusals(client, call, choices):
    """The French message of the page and of the API for the same ballot; nothing saved."""
    page = _page_post(client, call, choices)
    api = _api_post(client, call, choices)
    assert (page.status_code, api.status_code) == (400, 400)
    return page.content.decode(), str(api.json())


def test_every_rule_is_still_a_french_400_on_the_page_and_the_api(client, district_call):
    voter = _voter(district_call)
    client.force_login(voter.user)
    ids = [project.pk for project in district_call.projects]
    page, api = _refusals(client, district_call, ids)
    assert "Vous avez choisi 3 projets : 2 au maximum." in page and "au maximum" in api
    elsewhere = District.objects.create(call=district_call, name="Bois du Château",
                                        envelope=Decimal("5000.00"))
    other = ApplicationFactory(call=district_call, eligible=True, district=elsewhere)
    page, api = _refusals(client, district_call, [other.pk])
    assert "hors de votre bulletin" in page and "hors de votre bulletin" in api
    district_call.ballot_style, district_call.max_choices = BallotStyle.KNAPSACK, None
    district_call.district.envelope = Decimal("5000.00")
    district_call.save()
    district_call.district.save()
    page, api = _refusals(client, district_call, ids[:2])
    assert "plus que l&#x27;enveloppe" in page and "plus que l'enveloppe" in api
    assert not Ballot.objects.exists()


def test_the_vote_closes_exactly_when_the_decision_phase_starts(client, district_call):
    voter = _voter(district_call)
    client.force_login(voter.user)
    assert _api_post(client, district_call, [district_call.projects[0].pk]).status_code == 200
    read_before_closing = Call.objects.get(pk=district_call.pk)
    today = timezone.localdate()
    Call.objects.filter(pk=district_call.pk).update(
        opens_on=today - dt.timedelta(days=30), closes_on=today - dt.timedelta(days=20),
        vote_on=today - dt.timedelta(days=10), decision_on=today)
    # the first day of the decision: the vote closed at midnight, as the daily run records
    calls_advance_phases(today=today)
    district_call.refresh_from_db()
    assert district_call.phase == CallPhase.DECISION
    page, api = _refusals(client, district_call, [district_call.projects[1].pk])
    assert "Le vote n&#x27;est pas ouvert" in page and "Le vote n'est pas ouvert" in api
    # a call read before the closing does not reopen it: the call is read again with the lock
    with pytest.raises(ValidationError, match="Le vote n'est pas ouvert"):
        services.ballot_cast(call=read_before_closing, voter=voter, actor=voter.user,
                             choices=[district_call.projects[1].pk])
    assert list(Ballot.objects.values_list("choices", flat=True)) == [
        [district_call.projects[0].pk]]


def test_the_vote_closes_at_midnight_even_before_the_daily_run(client, district_call):
    """The phase still reads "vote" (the daily run has not passed yet): a ballot at 23:59:59
    on the last day counts, one at 0:00:00 on the first day of the decision is refused."""
    voter = _voter(district_call)
    client.force_login(voter.user)
    today = timezone.localdate()
    decision = today + dt.timedelta(days=1)
    Call.objects.filter(pk=district_call.pk).update(
        opens_on=today - dt.timedelta(days=30), closes_on=today - dt.timedelta(days=20),
        vote_on=today - dt.timedelta(days=10), decision_on=decision)
    district_call.refresh_from_db()
    first, second = district_call.projects[0].pk, district_call.projects[1].pk
    paris = timezone.get_default_timezone()
    last_second = dt.datetime.combine(today, dt.time(23, 59, 59), tzinfo=paris)
    with time_machine.travel(last_second, tick=False):
        client.force_login(voter.user)
        assert _api_post(client, district_call, [first]).status_code == 200
    with time_machine.travel(last_second + dt.timedelta(seconds=1), tick=False):
        client.force_login(voter.user)
        page, api = _refusals(client, district_call, [second])
    closed = f"Le vote est clos depuis le {date_format(decision, 'j F Y')} à 0 h."
    assert closed in api and closed.replace("'", "&#x27;") in page
    district_call.refresh_from_db()
    assert district_call.phase == CallPhase.VOTE
    assert list(Ballot.objects.values_list("choices", flat=True)) == [[first]]


@pytest.mark.services
def test_two_simultaneous_ballots_through_the_page_leave_one(transactional_db):
    call = CallFactory(participatory=True, phase=CallPhase.VOTE, max_choices=2)
    call.district = None
    projects = [ApplicationFactory(call=call, eligible=True) for _ in range(2)]
    voter = _voter(call)
    barrier, outcomes = threading.Barrier(2), []

    def cast(project):
        from django.db import connection
        from django.test import Client

        client = Client()
        client.force_login(voter.user)
        try:
            barrier.wait(10)
            outcomes.append(_page_post(client, call, [project.pk]).status_code)
        finally:
            connection.close()

    threads = [threading.Thread(target=cast, args=(p,)) for p in projects]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert outcomes == [302, 302]
    assert Ballot.objects.filter(voter=voter).count() == 1
