"""Voter registration, ballots (online and paper), rule lock, bad input, pages and API."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from backoffice.core.roles import Role
from funds.models import Ballot, CallPhase, CensusEntry, District, Voter
from funds.voting import results, services
from funds.voting.models import VoterSource
from tests.factories import UserFactory, staff_user

from .factories import ApplicationFactory, CallFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def vote_call():
    call = CallFactory(participatory=True, phase=CallPhase.VOTE, max_choices=2,
                       voter_min_age=16, voter_residence="Lorient")
    call.projects = [ApplicationFactory(call=call, eligible=True, amount_requested=Decimal(a))
                     for a in ("4000.00", "3000.00", "2000.00")]
    return call


def verified_voter(call, **extra):
    user = UserFactory()
    values = {"first_name": "Anne", "last_name": "Le Bris", "birth_date": dt.date(1990, 1, 1),
              "resident": True, **extra}
    voter = services.voter_register(call=call, user=user, **values)
    return services.voter_verify(token=services.verification_token(voter))


def test_registration_sends_a_signed_link_that_verifies(vote_call, django_capture_on_commit_callbacks):
    user = UserFactory()
    with django_capture_on_commit_callbacks(execute=True):
        voter = services.voter_register(call=vote_call, user=user, first_name="A", last_name="B",
                                        birth_date=dt.date(2000, 1, 1), resident=True)
    assert voter.verified_at is None and len(mail.outbox) == 1
    link = next(line for line in mail.outbox[0].body.splitlines() if "/vote/confirmer/" in line)
    token = link.rstrip("/").rsplit("/", 1)[-1]
    assert services.voter_verify(token=token).verified_at is not None
    with pytest.raises(ValidationError, match="pas valide"):
        services.voter_verify(token=token + "x")


@pytest.mark.parametrize(("values", "field"), [
    ({"birth_date": dt.date.today() - dt.timedelta(days=365 * 15)}, "birth_date"),
    ({"resident": False}, "resident"),
])
def test_ineligible_voter_is_refused_and_nothing_saved(vote_call, values, field):
    with pytest.raises(ValidationError) as exc:
        verified_voter(vote_call, **values)
    assert field in exc.value.message_dict
    assert not Voter.objects.exists()


def test_unverified_voter_cannot_vote(vote_call):
    voter = services.voter_register(call=vote_call, user=UserFactory(), first_name="A",
                                    last_name="B", birth_date=dt.date(1990, 1, 1), resident=True)
    with pytest.raises(ValidationError, match="Confirmez"):
        services.ballot_cast(call=vote_call, voter=voter, actor=voter.user, choices=[vote_call.projects[0].pk])
    assert not Ballot.objects.exists()


@pytest.mark.parametrize(("choices", "message"), [
    (lambda p: [x.pk for x in p], "au maximum"),
    (lambda p: [999999], "inconnu"),
    (lambda p: [], "au moins un"),
    (lambda p: [p[0].pk, p[0].pk], "qu'une fois"),
    (lambda p: ["abc"], "invalide"),
])
def test_bad_ballots_are_refused_in_french(vote_call, choices, message):
    voter = verified_voter(vote_call)
    with pytest.raises(ValidationError, match=message):
        services.ballot_cast(call=vote_call, voter=voter, actor=voter.user, choices=choices(vote_call.projects))
    assert not Ballot.objects.exists()


def test_a_second_ballot_replaces_the_first(vote_call):
    voter = verified_voter(vote_call)
    services.ballot_cast(call=vote_call, voter=voter, actor=voter.user, choices=[vote_call.projects[0].pk])
    services.ballot_cast(call=vote_call, voter=voter, actor=voter.user, choices=[vote_call.projects[1].pk])
    assert list(Ballot.objects.values_list("choices", flat=True)) == [[vote_call.projects[1].pk]]


def test_one_ballot_per_voter_is_a_database_constraint(vote_call):
    voter = verified_voter(vote_call)
    services.ballot_cast(call=vote_call, voter=voter, actor=voter.user, choices=[vote_call.projects[0].pk])
    with pytest.raises(IntegrityError), transaction.atomic():
        Ballot.objects.create(call=vote_call, voter=voter, choices=[], cast_at=voter.created_at)


def test_vote_outside_the_vote_phase_is_refused(vote_call):
    voter = verified_voter(vote_call)
    vote_call.phase = CallPhase.DECISION
    vote_call.save()
    with pytest.raises(ValidationError, match="pas ouvert"):
        services.ballot_cast(call=vote_call, voter=voter, actor=voter.user, choices=[vote_call.projects[0].pk])


def test_knapsack_ballot_over_the_envelope_is_refused(vote_call):
    vote_call.ballot_style, vote_call.max_choices = "knapsack", None
    vote_call.save()
    District.objects.create(call=vote_call, name="Centre", envelope=Decimal("6000"))
    for project in vote_call.projects:
        project.district = vote_call.districts.get()
        project.save()
    voter = verified_voter(vote_call, district=vote_call.districts.get())
    with pytest.raises(ValidationError, match="plus que l'enveloppe"):
        services.ballot_cast(call=vote_call, voter=voter, actor=voter.user, choices=[p.pk for p in vote_call.projects])
    assert services.ballot_cast(call=vote_call, voter=voter, actor=voter.user,
                                choices=[vote_call.projects[0].pk, vote_call.projects[2].pk])


def test_census_list_restricts_voters(vote_call):
    vote_call.census_required = True
    vote_call.save()
    CensusEntry.objects.create(call=vote_call, last_name="LE BRIS", first_name="Anne",
                               birth_date=dt.date(1990, 1, 1))
    assert verified_voter(vote_call, last_name="Le  Bris").pk
    with pytest.raises(ValidationError, match="liste des inscrits"):
        verified_voter(vote_call, last_name="Martin")


def test_census_import_reports_bad_rows_and_imports_nothing(vote_call):
    from funds.voting.census import census_import

    bad = "nom,prenom,date_naissance\nLe Bris,Anne,01/01/1990\nMartin,,02/02/1980\nX,Y,31/02/2000\n"
    with pytest.raises(ValidationError) as exc:
        census_import(call=vote_call, data=bad.encode(), filename="liste.csv")
    assert any("Ligne 3" in m for m in exc.value.messages)
    assert any("Ligne 4" in m for m in exc.value.messages)
    assert not CensusEntry.objects.exists()
    too_long = f"nom,prenom,date_naissance\n{'A' * 151},Anne,01/01/1990\n"
    with pytest.raises(ValidationError) as exc:
        census_import(call=vote_call, data=too_long.encode(), filename="liste.csv")
    assert exc.value.messages == ["Ligne 2 : nom ou prénom de plus de 150 caractères."]
    with pytest.raises(ValidationError, match="Fichier illisible"):
        census_import(call=vote_call, data=b"not a workbook", filename="liste.xlsx")
    assert not CensusEntry.objects.exists()
    good = "nom,prenom,date_naissance\nLe Bris,Anne,01/01/1990\nMartin,Paul,1980-02-02\n"
    assert census_import(call=vote_call, data=good.encode(), filename="liste.csv") == 2


def test_paper_ballot_records_the_agent_and_refuses_online_voters(vote_call):
    agent = staff_user(Role.FINANCE_AGENT)
    ballot = services.paper_ballot_enter(call=vote_call, agent=agent, first_name="Paul",
                                         last_name="Martin", birth_date=dt.date(1970, 5, 5),
                                         district=None, choices=[vote_call.projects[0].pk])
    assert ballot.channel == "paper" and ballot.entered_by == agent
    assert ballot.voter.source == VoterSource.PAPER
    online = verified_voter(vote_call)
    services.ballot_cast(call=vote_call, voter=online, actor=online.user, choices=[vote_call.projects[1].pk])
    with pytest.raises(ValidationError, match="déjà voté en ligne"):
        services.paper_ballot_enter(call=vote_call, agent=agent, first_name="Anne",
                                    last_name="Le Bris", birth_date=dt.date(1990, 1, 1),
                                    district=None, choices=[vote_call.projects[0].pk])
    assert Ballot.objects.count() == 2


def test_rule_is_locked_once_a_ballot_exists(vote_call):
    agent = staff_user(Role.FINANCE_AGENT)
    results.call_vote_configure(call=vote_call, actor=agent, winner_rule="mes")
    voter = verified_voter(vote_call)
    services.ballot_cast(call=vote_call, voter=voter, actor=voter.user, choices=[vote_call.projects[0].pk])
    with pytest.raises(ValidationError, match="ne peuvent plus changer"):
        results.call_vote_configure(call=vote_call, actor=agent, winner_rule="greedy")
    vote_call.refresh_from_db()
    assert vote_call.winner_rule == "mes"


def test_voting_page_flow(client, vote_call):
    user = UserFactory()
    client.force_login(user)
    page = client.get(f"/fonds/appels/{vote_call.pk}/vote/")
    assert "Inscription au vote" in page.content.decode()
    response = client.post(f"/fonds/appels/{vote_call.pk}/vote/", {
        "action": "register", "first_name": "A", "last_name": "B", "birth_date": "1990-01-01",
        "resident": "on"})
    assert response.status_code == 302
    voter = Voter.objects.get(user=user)
    client.get(f"/fonds/vote/confirmer/{services.verification_token(voter)}/")
    response = client.post(f"/fonds/appels/{vote_call.pk}/vote/",
                           {"choices": [p.pk for p in vote_call.projects]})
    assert response.status_code == 400 and "au maximum" in response.content.decode()
    response = client.post(f"/fonds/appels/{vote_call.pk}/vote/",
                           {"choices": [vote_call.projects[0].pk]})
    assert response.status_code == 302 and Ballot.objects.get().voter == voter
    assert "ballot.js" in client.get(f"/fonds/appels/{vote_call.pk}/vote/").content.decode()


def test_agent_pages_are_forbidden_to_citizens(client, vote_call):
    client.force_login(UserFactory())
    for path in ("vote", "bulletins-papier", "liste-electorale", "statistiques", "pabulib"):
        assert client.get(f"/fonds/gestion/appels/{vote_call.pk}/{path}/").status_code == 403


def test_api_casts_a_ballot_with_french_errors(client, vote_call):
    voter = verified_voter(vote_call)
    client.force_login(voter.user)
    url = f"/api/v1/votes/{vote_call.pk}/ballot/"
    response = client.post(url, {"choices": [999999]}, content_type="application/json")
    assert response.status_code == 400 and "inconnu" in str(response.json())
    response = client.post(url, {"choices": [vote_call.projects[0].pk]},
                           content_type="application/json")
    assert response.status_code == 200 and response.json()["choices"] == [vote_call.projects[0].pk]
    client.force_login(UserFactory())
    assert client.post(url, {"choices": [vote_call.projects[0].pk]},
                       content_type="application/json").status_code == 400
    assert client.get(f"/api/v1/votes/{vote_call.pk}/stats/").status_code == 403


def test_the_open_vote_is_listed_publicly_with_its_link(client, vote_call):
    page = client.get("/fonds/").content.decode()
    assert f"/fonds/appels/{vote_call.pk}/vote/" in page and "Vote jusqu" in page
    assert "Se connecter" in client.get(f"/fonds/appels/{vote_call.pk}/vote/").content.decode()


def test_settings_page_locks_the_rule_once_a_ballot_exists(client, vote_call):
    agent = staff_user(Role.FINANCE_AGENT)
    voter = verified_voter(vote_call)
    services.ballot_cast(call=vote_call, voter=voter, actor=voter.user, choices=[vote_call.projects[0].pk])
    client.force_login(agent)
    response = client.post(f"/fonds/gestion/appels/{vote_call.pk}/vote/", {
        "action": "configure", "ballot_style": "knapsack", "min_choices": 1, "max_choices": 2,
        "winner_rule": "mes", "voter_min_age": 18, "voter_residence": "Lorient"})
    assert response.status_code == 302
    vote_call.refresh_from_db()
    assert (vote_call.winner_rule, vote_call.ballot_style, vote_call.voter_min_age) == (
        "greedy", "approval", 18)


@pytest.mark.parametrize("ref", ["A1:XFD1048576", "A1:C1048576"])
def test_census_import_refuses_a_dimension_bomb_in_french(vote_call, ref):
    """A tiny workbook declaring a huge sheet: refused from its declaration, nothing replaced."""
    from funds.voting.census import census_import
    from tests.core.bombs import dimension_bomb

    bomb = dimension_bomb([["nom", "prenom", "date_naissance"], ["Le Bris", "Anne", "01/01/1990"]],
                          ref=ref)
    with pytest.raises(ValidationError) as exc:
        census_import(call=vote_call, data=bomb, filename="liste.xlsx")
    assert "Fichier illisible" in exc.value.messages[0] and "dépasse" in exc.value.messages[0]
    assert not CensusEntry.objects.exists()


def test_census_import_reads_a_real_workbook(vote_call):
    import datetime as dt

    from funds.voting.census import census_import
    from tests.core.bombs import workbook

    content = workbook([["nom", "prenom", "date_naissance"],
                        ["Le Bris", "Anne", dt.datetime(1990, 1, 1)]])
    assert census_import(call=vote_call, data=content, filename="liste.xlsx") == 1


def test_a_computation_changes_status_only_through_its_transition(db):
    from backoffice.core.models import AuditEvent
    from funds.voting.models import ComputationStatus, VoteComputation
    from funds.voting.results import vote_computation_transition
    from tests.funds.factories import CallFactory

    computation = VoteComputation.objects.create(call=CallFactory(participatory=True),
                                                 rule="greedy")
    vote_computation_transition(computation=computation, to=ComputationStatus.FAILED,
                                error="Budget négatif")
    vote_computation_transition(computation=computation, to=ComputationStatus.DONE,
                                result={"parts": []}, error="")
    assert AuditEvent.objects.filter(event="vote_computation_failed",
                                     data__error="Budget négatif").exists()
    computation.refresh_from_db()
    assert (computation.status, computation.result, computation.error) == ("done", {"parts": []},
                                                                          "")
    with pytest.raises(ValueError, match="done → failed refused"):
        vote_computation_transition(computation=computation, to=ComputationStatus.FAILED)
