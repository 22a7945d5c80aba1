"""The participatory budget in the browser: a resident votes on a phone, then a decision maker
computes and publishes the results, whose winners become awards, reachable from the home page."""

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.core import mail
from django.utils import timezone
from playwright.sync_api import expect

from backoffice.core.roles import Role
from funds.models import Award, Ballot, CallPhase, Voter
from funds.voting import services as voting
from tests.factories import UserFactory, staff_user
from tests.funds.factories import ApplicationFactory, CallFactory

pytestmark = [pytest.mark.browser, pytest.mark.services]

PHONE = {"width": 375, "height": 740}


@pytest.fixture
def vote_call():
    call = CallFactory(participatory=True, phase=CallPhase.VOTE, max_choices=2,
                       title="Budget participatif de Kerbruck 2026",
                       voter_min_age=16, voter_residence="Kerbruck")
    call.fund.envelope = call.fund.max_amount = Decimal("7000.00")
    call.fund.save()
    call.projects = [ApplicationFactory(call=call, eligible=True, title=title,
                                        amount_requested=Decimal(amount))
                     for title, amount in [("Boîte à livres du square", "4000.00"),
                                           ("Fresque de l'école Bisson", "3000.00"),
                                           ("Composteur partagé", "2000.00")]]
    return call


def _cast(call, choices_per_voter):
    for n, choices in enumerate(choices_per_voter):
        user = UserFactory()
        voter = voting.voter_register(call=call, user=user, first_name="Anne",
                                      last_name=f"Le Bris{n}", birth_date=dt.date(1990, 1, 1),
                                      resident=True)
        voter = voting.voter_verify(token=voting.verification_token(voter))
        voting.ballot_cast(call=call, voter=voter, choices=[p.pk for p in choices], actor=user)


def test_resident_signs_up_registers_confirms_and_votes_on_a_phone(journey, vote_call, settings,
                                                                   live_server):
    settings.SITE_URL = live_server.url
    books, fresco, compost = vote_call.projects
    page = journey.page
    page.set_viewport_size(PHONE)

    # From the open call to the vote page; not logged in yet.
    journey.visit("/", "accueil")
    page.get_by_role("link", name=vote_call.title).first.click()
    page.get_by_role("link", name="Voter pour les projets").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Voter pour les projets")
    journey.check("vote, pas connecté")
    journey.assert_fits(320, "vote, pas connecté")

    # Create an account from the vote page: back on the vote page, signed in.
    page.get_by_role("link", name="Créer un compte").last.click()
    journey.check("inscription depuis le vote")
    page.locator("#id_first_name").fill("Maëlle")
    page.locator("#id_last_name").fill("Guégan")
    page.locator("#id_email").fill("maelle@habitants.example")
    page.locator("#id_password1").fill("boite-a-livres-2026")
    page.locator("#id_password2").fill("boite-a-livres-2026")
    page.get_by_role("button", name="Créer mon compte").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Vérifiez votre messagerie")
    journey.confirm_email("maelle@habitants.example")
    expect(page.get_by_role("heading", level=1)).to_have_text("Voter pour les projets")

    # Register to vote; a refused registration says why next to the field.
    expect(page.get_by_role("heading", name="Inscription au vote")).to_be_visible()
    journey.check("inscription au vote")
    page.get_by_label("Prénom").fill("Maëlle")
    page.locator("#id_last_name").fill("Guégan")
    page.get_by_label("Date de naissance").fill("2015-03-02")
    page.get_by_label("Je réside à Kerbruck").check()
    page.get_by_role("button", name="M'inscrire").click()
    expect(page.locator(".error-summary")).to_be_focused()
    expect(page.get_by_label("Date de naissance")).to_have_attribute("aria-invalid", "true")
    journey.check("inscription au vote refusée")
    page.get_by_label("Date de naissance").fill("1994-03-02")
    page.get_by_role("button", name="M'inscrire").click()
    expect(page.get_by_role("heading", name="Confirmez votre adresse")).to_be_visible()
    journey.check("lien de confirmation envoyé")

    # The link in the e-mail confirms the address and leads to the ballot.
    message = next(m for m in reversed(mail.outbox)
                   if "maelle@habitants.example" in m.to and "/vote/confirmer/" in m.body)
    link = re.search(r"https?://\S+/vote/confirmer/\S+", message.body).group(0)
    assert link.startswith(live_server.url)
    page.goto(link)
    expect(page.get_by_role("group", name=re.compile("Projets soumis au vote"))).to_be_visible()
    journey.check("bulletin")
    journey.assert_fits(320, "bulletin")

    # Vote for two projects, then change the vote.
    page.get_by_label(re.compile(books.title)).check()
    page.get_by_label(re.compile(compost.title)).check()
    page.get_by_role("button", name="Valider mon vote").click()
    expect(page.get_by_text(re.compile("Votre vote du .* est enregistré"))).to_be_visible()
    journey.check("vote enregistré")
    page.get_by_label(re.compile(compost.title)).uncheck()
    page.get_by_label(re.compile(fresco.title)).check()
    page.get_by_role("button", name="Modifier mon vote").click()
    expect(page.get_by_text(re.compile("Votre vote du .* est enregistré"))).to_be_visible()
    voter = Voter.objects.get(call=vote_call, user__email="maelle@habitants.example")
    assert sorted(Ballot.objects.get(voter=voter).choices) == sorted([books.pk, fresco.pk])
    assert Ballot.objects.filter(call=vote_call).count() == 1


def test_decision_maker_publishes_results_and_winners_become_awards(journey, vote_call):
    books, fresco, compost = vote_call.projects
    _cast(vote_call, [[books], [books, fresco], [fresco, compost], [books, compost], [fresco]])
    vote_call.phase = CallPhase.DECISION
    vote_call.save(update_fields=["phase"])
    decider = staff_user(Role.DECISION_MAKER, email="elue@ville.example")
    page = journey.page

    journey.log_in(decider.email, "motdepasse-solide-42")
    journey.visit(f"/fonds/gestion/appels/{vote_call.pk}/vote/", "gestion du vote")
    page.get_by_role("button", name=re.compile("^Calculer avec la règle")).click()
    expect(page.get_by_role("heading", name=re.compile("^Publier (le|un) calcul"))).to_be_visible()
    journey.check("calcul enregistré")
    page.get_by_label("Référence de la délibération").fill("DEL-2026-077")
    page.get_by_label("Date de la délibération").fill(timezone.localdate().isoformat())
    page.get_by_role("button", name="Publier les résultats").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Résultats")
    journey.check("résultats publiés")

    # Greedy with 7 000 €: the books (3 votes, 4 000 €) and the fresco (3 votes, 3 000 €).
    awards = Award.objects.filter(application__call=vote_call)
    assert set(awards.values_list("application_id", flat=True)) == {books.pk, fresco.pk}
    assert {a.deliberation_reference for a in awards} == {"DEL-2026-077"}
    assert sum(a.amount for a in awards) == Decimal("7000.00")
    journey.log_out()

    # Later, anyone finds the published results from the home page.
    journey.visit("/", "accueil après publication")
    results = page.get_by_role("region", name="Résultats des budgets participatifs")
    results.get_by_role("link", name=vote_call.title).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Résultats")
    expect(page.get_by_role("row", name=re.compile(books.title))).to_be_visible()
    journey.check("résultats publics")
    journey.assert_fits(320, "résultats publics")
