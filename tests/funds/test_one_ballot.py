"""One resident, one ballot: a person's identity is unique per call, whatever the account."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from funds.models import Ballot, CallPhase, Voter
from funds.voting import services
from tests.factories import UserFactory, staff_user

from .factories import ApplicationFactory, CallFactory

pytestmark = pytest.mark.django_db

BIRTH = dt.date(1984, 5, 17)


@pytest.fixture
def vote_call():
    call = CallFactory(participatory=True, phase=CallPhase.VOTE, max_choices=2)
    call.projects = [ApplicationFactory(call=call, eligible=True, amount_requested=Decimal(a))
                     for a in ("4000.00", "3000.00")]
    return call


def _register_and_vote(call, user, first_name, last_name):
    voter = services.voter_register(call=call, user=user, first_name=first_name,
                                    last_name=last_name, birth_date=BIRTH)
    voter = services.voter_verify(token=services.verification_token(voter))
    return services.ballot_cast(call=call, voter=voter, actor=voter.user, choices=[call.projects[0].pk])


def test_four_accounts_of_one_resident_get_one_ballot(vote_call):
    spellings = [("Anne", "Le Bris"), ("ANNE", "le-bris"), ("Anné", "Le  Bris"),
                 (" anne ", "LE BRIS")]
    refused = []
    for first_name, last_name in spellings:
        try:
            _register_and_vote(vote_call, UserFactory(), first_name, last_name)
        except ValidationError as exc:
            refused.append(exc.message_dict["last_name"][0])
    assert Ballot.objects.filter(call=vote_call).count() == 1
    assert Voter.objects.filter(call=vote_call).count() == 1
    assert len(refused) == 3
    assert all("chaque habitant ne vote qu'une fois" in m for m in refused)


def test_the_database_refuses_a_second_registration_of_one_person(vote_call):
    Voter.objects.create(call=vote_call, user=UserFactory(), first_name="Anne",
                         last_name="Le Bris", birth_date=BIRTH)
    with pytest.raises(IntegrityError), transaction.atomic():
        Voter.objects.create(call=vote_call, user=UserFactory(), first_name="anne",
                             last_name="LE-BRIS", birth_date=BIRTH)
    # the same person may vote in another call
    other = CallFactory(participatory=True, phase=CallPhase.VOTE)
    Voter.objects.create(call=other, user=UserFactory(), first_name="Anne",
                         last_name="Le Bris", birth_date=BIRTH)


def test_unverified_account_cannot_register_to_vote(vote_call):
    with pytest.raises(ValidationError, match="Confirmez d'abord l'adresse"):
        services.voter_register(call=vote_call, user=UserFactory(email_verified_at=None),
                                first_name="Anne", last_name="Le Bris", birth_date=BIRTH)
    assert not Voter.objects.exists()


def test_paper_ballots_check_the_same_identity(vote_call):
    agent = staff_user()
    services.paper_ballot_enter(call=vote_call, agent=agent, first_name="Anne",
                                last_name="Le Bris", birth_date=BIRTH, district=None,
                                choices=[vote_call.projects[1].pk])
    # online, from any account, after a paper ballot: refused
    with pytest.raises(ValidationError, match="par un bulletin papier"):
        _register_and_vote(vote_call, UserFactory(), "anne", "le bris")
    # online first, then on paper: refused
    _register_and_vote(vote_call, UserFactory(), "Paul", "Tanguy")
    with pytest.raises(ValidationError, match="déjà voté en ligne"):
        services.paper_ballot_enter(call=vote_call, agent=agent, first_name="PAUL",
                                    last_name="Tanguy", birth_date=BIRTH, district=None,
                                    choices=[vote_call.projects[1].pk])
    assert Ballot.objects.filter(call=vote_call).count() == 2


def test_second_account_is_told_why_on_the_vote_page(django_app, vote_call):
    _register_and_vote(vote_call, UserFactory(), "Anne", "Le Bris")
    page = django_app.get(f"/fonds/appels/{vote_call.pk}/vote/", user=UserFactory())
    form = next(f for f in page.forms.values() if "first_name" in f.fields)
    form["first_name"], form["last_name"], form["birth_date"] = "Anne", "Le Bris", "1984-05-17"
    response = form.submit(status=400)
    assert "chaque habitant ne vote qu&#x27;une fois" in response.text
    form = next(f for f in response.forms.values() if "last_name" in f.fields)
    assert (form["first_name"].value, form["last_name"].value) == ("Anne", "Le Bris")
    assert Voter.objects.filter(call=vote_call).count() == 1
