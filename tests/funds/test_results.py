"""Computations, withdrawn projects, publication into awards, the results page."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from backoffice.core.models import AuditEvent
from backoffice.core.roles import Role
from funds.models import Award, Ballot, Call, CallPhase, Voter
from funds.voting import results
from tests.factories import UserFactory, staff_user

from .factories import ApplicationFactory, CallFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def voted():
    call = CallFactory(participatory=True, phase=CallPhase.DECISION)
    call.fund.envelope, call.fund.max_amount = Decimal("7000.00"), Decimal("7000.00")
    call.fund.save()
    # Submitted before the deliberations the tests date (a deliberation follows submission).
    submitted = timezone.make_aware(dt.datetime(2025, 12, 1, 10))
    a, b, c = (ApplicationFactory(call=call, eligible=True, amount_requested=Decimal(x),
                                  submitted_at=submitted)
               for x in ("4000.00", "3000.00", "2000.00"))
    for n, choices in enumerate([[a.pk], [a.pk, b.pk], [b.pk, c.pk], [a.pk, c.pk], [b.pk]]):
        voter = Voter.objects.create(call=call, source="import", external_id=str(n))
        Ballot.objects.create(call=call, voter=voter, choices=choices, channel="import",
                              cast_at=voter.created_at)
    call.abc = (a, b, c)
    return call


def test_computation_is_stored_and_publication_creates_awards(voted, client):
    decider = staff_user(Role.DECISION_MAKER)
    a, b, c = voted.abc
    computation = results.vote_computation_request(call=voted, actor=decider)
    assert computation.status == "done" and len(computation.inputs_sha256) == 64
    assert set(computation.winner_ids()) == {a.pk, b.pk}   # 3 votes each, c does not fit
    assert "did-not-fit" in str(computation.result)
    # results are not public before publication
    assert "pas encore publiés" in client.get(f"/fonds/appels/{voted.pk}/resultats/").content.decode()
    results.vote_results_publish(call=voted, computation=computation, actor=decider,
                                 deliberation_reference="DEL-1", deliberation_date=dt.date(2026, 6, 1))
    assert {aw.application_id: aw.amount for aw in Award.objects.all()} == {
        a.pk: Decimal("4000.00"), b.pk: Decimal("3000.00")}
    assert AuditEvent.objects.filter(event="vote_results_published").exists()
    page = client.get(f"/fonds/appels/{voted.pk}/resultats/").content.decode()
    assert "supérieur au reste" in page and "le moins cher" in page
    with pytest.raises(ValidationError, match="déjà publiés"):
        results.vote_results_publish(call=voted, computation=computation, actor=decider,
                                     deliberation_reference="DEL-1",
                                     deliberation_date=dt.date(2026, 6, 1))


def test_withdrawn_project_changes_inputs_and_needs_a_new_computation(voted):
    agent = staff_user(Role.DECISION_MAKER)
    a, b, c = voted.abc
    first = results.vote_computation_request(call=voted, actor=agent)
    with pytest.raises(ValidationError, match="Expliquez"):
        results.project_set_exclusion(application=a, actor=agent, exclusion="withdrawn")
    results.project_set_exclusion(application=a, actor=agent, exclusion="withdrawn",
                                  reason="Terrain indisponible")
    with pytest.raises(ValidationError, match="relancez"):
        results.vote_results_publish(call=voted, computation=first, actor=agent,
                                     deliberation_reference="D", deliberation_date=dt.date(2026, 1, 1))
    assert not Award.objects.exists()
    second = results.vote_computation_request(call=voted, actor=agent)
    assert set(second.winner_ids()) == {b.pk, c.pk}
    assert second.inputs_sha256 != first.inputs_sha256


def test_publication_is_all_or_nothing(voted):
    decider = staff_user(Role.DECISION_MAKER)
    voted.fund.max_amount = Decimal("3500.00")   # the 4,000 € winner cannot be awarded
    voted.fund.save()
    computation = results.vote_computation_request(call=voted, actor=decider)
    with pytest.raises(ValidationError, match="maximum du fonds"):
        results.vote_results_publish(call=voted, computation=computation, actor=decider,
                                     deliberation_reference="D", deliberation_date=dt.date(2026, 1, 1))
    voted.refresh_from_db()
    assert not Award.objects.exists() and voted.results_published_at is None


def test_large_votes_compute_in_a_task_after_commit(voted, settings,
                                                    django_capture_on_commit_callbacks):
    settings.FUNDS_VOTE_ASYNC_BALLOTS = 2
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        computation = results.vote_computation_request(call=voted, actor=None)
    assert computation.status == "pending" and len(callbacks) == 1
    computation.refresh_from_db()
    assert computation.status == "done"


def test_results_page_and_stats_for_agents(voted, client, django_assert_max_num_queries):
    agent = staff_user(Role.FINANCE_AGENT)
    results.vote_computation_request(call=voted, actor=agent)
    client.force_login(agent)
    page = client.get(f"/fonds/appels/{voted.pk}/resultats/").content.decode()
    assert "Aperçu réservé aux agents" in page and "Pabulib" in page
    # Before publication: turnout only, votes per project hidden from pages, API and exports
    stats = client.get(f"/fonds/gestion/appels/{voted.pk}/statistiques/")
    assert stats.status_code == 200 and "restent cachées" in stats.content.decode()
    export = client.get(f"/fonds/gestion/appels/{voted.pk}/statistiques/?export=projects&format=csv")
    assert export.status_code == 302
    assert client.get(f"/api/v1/votes/{voted.pk}/stats/").json()["projects"] == []
    assert client.get(f"/api/v1/votes/{voted.pk}/stats/").json()["turnout"]
    assert client.get(f"/fonds/gestion/appels/{voted.pk}/pabulib/").status_code == 302
    # Once published, everything is shown
    Call.objects.filter(pk=voted.pk).update(results_published_at=timezone.now())
    with django_assert_max_num_queries(20):
        stats = client.get(f"/fonds/gestion/appels/{voted.pk}/statistiques/")
    assert stats.status_code == 200 and "<svg" in stats.content.decode()
    assert "restent cachées" not in stats.content.decode()
    export = client.get(f"/fonds/gestion/appels/{voted.pk}/statistiques/?export=projects&format=csv")
    assert export.status_code == 200 and "Voix" in export.content.decode("utf-8-sig")
    assert client.get(f"/api/v1/votes/{voted.pk}/stats/").json()["projects"][0]["votes"] == 3
    pb = client.get(f"/fonds/gestion/appels/{voted.pk}/pabulib/")
    assert pb.status_code == 200 and pb.content.decode().startswith("META")
    client.force_login(UserFactory())
    assert client.get(f"/api/v1/votes/{voted.pk}/results/").status_code == 404
    assert client.get(f"/fonds/gestion/appels/{voted.pk}/pabulib/").status_code == 403


def test_publication_needs_a_decision_maker_and_pages_hide_drafts(voted, client):
    agent = staff_user(Role.FINANCE_AGENT)
    computation = results.vote_computation_request(call=voted, actor=agent)
    client.force_login(agent)
    response = client.post(f"/fonds/gestion/appels/{voted.pk}/vote/", {
        "action": "publish", "computation": computation.pk, "deliberation_reference": "D",
        "deliberation_date": "2026-06-01"})
    assert response.status_code == 403 and not Award.objects.exists()
    voted.phase = CallPhase.DRAFT
    voted.save()
    client.force_login(UserFactory())
    assert client.get(f"/fonds/appels/{voted.pk}/vote/").status_code == 404
    assert client.get(f"/fonds/appels/{voted.pk}/resultats/").status_code == 404


def test_agent_publishes_from_the_page_and_sees_the_awards(voted, client):
    decider = staff_user(Role.DECISION_MAKER)
    client.force_login(decider)
    client.post(f"/fonds/gestion/appels/{voted.pk}/vote/", {"action": "compute"})
    computation = voted.computations.get()
    bad = client.post(f"/fonds/gestion/appels/{voted.pk}/vote/", {
        "action": "publish", "computation": computation.pk, "deliberation_reference": "",
        "deliberation_date": "pas une date"})
    assert bad.status_code == 400 and not Award.objects.exists()
    response = client.post(f"/fonds/gestion/appels/{voted.pk}/vote/", {
        "action": "publish", "computation": computation.pk, "deliberation_reference": "DEL-9",
        "deliberation_date": "2026-06-01"})
    assert response.status_code == 302 and Award.objects.count() == 2


def test_vote_pages_run_a_constant_number_of_queries(voted, client, django_assert_max_num_queries):
    agent = staff_user(Role.DECISION_MAKER)
    results.vote_computation_request(call=voted, actor=agent)
    client.force_login(agent)
    with django_assert_max_num_queries(25) as small:
        client.get(f"/fonds/gestion/appels/{voted.pk}/vote/")
    with django_assert_max_num_queries(25):
        client.get(f"/fonds/appels/{voted.pk}/resultats/")
    for _n in range(5):
        ApplicationFactory(call=voted, eligible=True)
    results.vote_computation_request(call=voted, actor=agent)
    with django_assert_max_num_queries(len(small.captured_queries)):
        client.get(f"/fonds/gestion/appels/{voted.pk}/vote/")
