"""Property tests of the pure ballot rules, and the vote's concurrency on the real services."""

import datetime as dt
import threading
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from funds.voting import rules

costs_strategy = st.dictionaries(st.sampled_from([str(i) for i in range(1, 13)]),
                                 st.integers(0, 50_000).map(Decimal), min_size=1)


@given(costs=costs_strategy, data=st.data(), envelope=st.integers(0, 200_000).map(Decimal),
       share=st.none() | st.decimals(0, 1, places=2))
def test_a_valid_knapsack_ballot_fits_the_envelope_and_its_minimum(costs, data, envelope, share):
    choices = data.draw(st.lists(st.sampled_from(sorted(costs)), unique=True))
    errors = rules.ballot_errors(style="knapsack", choices=choices, costs=costs, min_choices=1,
                                 max_choices=None, envelope=envelope, min_budget_share=share)
    total = sum((costs[c] for c in choices), Decimal(0))
    valid = bool(choices) and total <= envelope and (not share or total >= envelope * share)
    assert (errors == []) == valid


@given(costs=costs_strategy, data=st.data(), low=st.integers(1, 4), extra=st.integers(0, 4))
def test_a_valid_approval_ballot_has_between_min_and_max_choices(costs, data, low, extra):
    choices = data.draw(st.lists(st.sampled_from(sorted(costs)), unique=True))
    errors = rules.ballot_errors(style="approval", choices=choices, costs=costs,
                                 min_choices=low, max_choices=low + extra,
                                 envelope=Decimal(0), min_budget_share=None)
    assert (errors == []) == (bool(choices) and low <= len(choices) <= low + extra)


@given(st.lists(st.text(min_size=1), min_size=2, max_size=4), st.dates())
def test_inputs_hash_ignores_ballot_order(names, day):
    projects = {str(i): Decimal(i) for i in range(1, 5)}
    ballots = [["1", "2"], ["3"], ["2", "4"], ["1"]]
    one = rules.inputs_sha256(rule="greedy", min_votes=None, parts=[
        {"name": "", "budget": Decimal(5), "projects": projects, "ballots": ballots}])
    two = rules.inputs_sha256(rule="greedy", min_votes=None, parts=[
        {"name": "", "budget": Decimal(5), "projects": projects,
         "ballots": [list(reversed(b)) for b in reversed(ballots)]}])
    assert one == two


def test_census_key_ignores_case_accents_and_hyphens():
    day = dt.date(1980, 2, 2)
    assert rules.census_key("LE GOFF", "Maëlle", day) == rules.census_key("le  goff", "maelle", day)
    assert rules.census_key("Jean-Pierre", "A", day) == rules.census_key("jean pierre", "a", day)


def test_age_bands():
    assert rules.age_on(dt.date(2010, 6, 2), dt.date(2026, 6, 1)) == 15
    assert rules.age_band(16) == "16–17 ans" and rules.age_band(70) == "65 ans et plus"


@pytest.mark.services
def test_two_simultaneous_ballots_of_one_voter_leave_one(transactional_db):
    from funds.models import Ballot, CallPhase, Voter
    from funds.voting import services
    from tests.factories import UserFactory

    from .factories import ApplicationFactory, CallFactory

    call = CallFactory(participatory=True, phase=CallPhase.VOTE, max_choices=2)
    projects = [ApplicationFactory(call=call, eligible=True) for _ in range(2)]
    voter = Voter.objects.create(call=call, user=UserFactory(), verified_at=call.created_at)
    outcomes = []

    def cast(project):
        from django.db import connection

        try:
            services.ballot_cast(call=call, voter=voter, actor=voter.user, choices=[project.pk])
            outcomes.append("ok")
        finally:
            connection.close()

    threads = [threading.Thread(target=cast, args=(p,)) for p in projects]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert outcomes == ["ok", "ok"] and Ballot.objects.filter(voter=voter).count() == 1


@pytest.mark.services
def test_real_worker_computes_a_large_vote(celery_worker_process, settings):
    import time

    from django.db import transaction

    from funds.models import Ballot, CallPhase, Voter
    from funds.voting import results

    from .factories import ApplicationFactory, CallFactory

    settings.FUNDS_VOTE_ASYNC_BALLOTS = 1
    call = CallFactory(participatory=True, phase=CallPhase.DECISION)
    project = ApplicationFactory(call=call, eligible=True)
    for n in range(2):
        voter = Voter.objects.create(call=call, source="import", external_id=str(n))
        Ballot.objects.create(call=call, voter=voter, choices=[project.pk], channel="import",
                              cast_at=voter.created_at)
    with transaction.atomic():
        computation = results.vote_computation_request(call=call, actor=None)
    assert computation.status == "pending"
    deadline = time.monotonic() + 40
    while time.monotonic() < deadline and computation.status == "pending":
        time.sleep(0.5)
        computation.refresh_from_db()
    assert computation.status == "done" and computation.winner_ids() == [project.pk]
