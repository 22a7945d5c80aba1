"""The authority's staff: instructor, then decision maker, then finance agent, on two
applications of one call, from the review queue to the approved financial report."""

import datetime as dt
import re
from decimal import Decimal

import pytest
import time_machine
from django.utils import timezone
from playwright.sync_api import expect

from backoffice.core.roles import Role
from conventions.models import Convention
from funds import services as funds_services
from funds.models import Application, ApplicationStatus, Call, Fund
from funds.rules import MANUAL_CHECKS
from tests.factories import AuthorityFactory, OrganisationFactory, member_of, staff_user
from tests.funds.factories import ApplicationFactory, CallFactory

pytestmark = [pytest.mark.browser, pytest.mark.services]

PASSWORD = "motdepasse-solide-42"


def _submitted(call, title, organisation):
    applicant = member_of(organisation)
    application = ApplicationFactory(call=call, organisation=organisation, applicant=applicant,
                                     title=title)
    return funds_services.application_submit(application=application, user=applicant), applicant


def test_review_committee_convention_payment_report(journey, journey_factory, request):
    call = CallFactory(title="Fonds des transitions 2026")
    bikes, bikes_member = _submitted(call, "Atelier vélo du samedi",
                                     OrganisationFactory(name="Repair café de Kervénanec"))
    garden, _ = _submitted(call, "Jardin partagé du Bois du Château",
                           OrganisationFactory(name="Les Jardins du Scorff"))
    instructor = staff_user(Role.INSTRUCTOR, email="instructeur@ville.example")
    decider = staff_user(Role.DECISION_MAKER, email="elue@ville.example")
    agent = staff_user(Role.FINANCE_AGENT, email="agent@ville.example")
    page = journey.page
    today = timezone.localdate()

    # The instructor: review queue → the application → checks, opinion → eligible.
    journey.log_in(instructor.email, PASSWORD)
    journey.visit(f"/fonds/gestion/appels/{call.pk}/dossiers/", "file d'instruction")
    queue = page.get_by_role("table")
    expect(queue.get_by_role("row")).to_have_count(3)
    journey.assert_fits(320, "file d'instruction")
    queue.get_by_role("link", name="Atelier vélo du samedi").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Atelier vélo du samedi")
    journey.check("instruction")
    for checkbox in page.locator("input[type=checkbox][name^=check_]").all():
        checkbox.check()
    page.get_by_label("Avis de l'instructeur").fill("Projet solide, budget réaliste.")
    page.get_by_role("button", name="Enregistrer et déclarer recevable").click()
    expect(page.locator(".tag").first).to_have_text("Recevable, instruit")
    journey.check("dossier recevable")
    funds_services.application_review_save(
        application=garden, user=instructor, declare_eligible=True,
        checklist={code: True for code, _label in MANUAL_CHECKS})
    journey.log_out()

    # The decision maker: both decisions under one deliberation.
    journey.log_in(decider.email, PASSWORD)
    journey.visit(f"/fonds/gestion/appels/{call.pk}/comite/", "comité")
    page.get_by_label("Référence de la délibération").fill("DEL-2026-042")
    page.get_by_label("Date de la délibération").fill(today.isoformat())
    page.get_by_label("Décision pour Atelier vélo du samedi").select_option(label="Attribuer")
    page.get_by_label("Montant pour Atelier vélo du samedi").fill("3500")
    page.get_by_label("Décision pour Jardin partagé du Bois du Château").select_option(
        label="Rejeter")
    page.get_by_label("Motivation pour Jardin partagé du Bois du Château").fill(
        "Le projet relève de l'investissement, que ce fonds ne finance pas.")
    page.get_by_label("Je confirme ces décisions").check()
    page.get_by_role("button", name="Enregistrer les décisions").click()
    expect(page.locator(".messages")).to_contain_text("2 décision(s) enregistrée(s).")
    journey.check("décisions enregistrées")
    bikes.refresh_from_db()
    garden.refresh_from_db()
    assert (bikes.status, garden.status) == (ApplicationStatus.AWARDED, ApplicationStatus.REJECTED)
    assert bikes.award.amount == Decimal("3500.00")
    assert bikes.award.deliberation_reference == "DEL-2026-042"
    journey.log_out()

    # The finance agent: the convention from the award, sent, signed, its year confirmed.
    journey.log_in(agent.email, PASSWORD)
    journey.visit(f"/fonds/gestion/dossiers/{bikes.pk}/", "attribution")
    page.get_by_role("button", name="Créer la convention").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Repair café de Kervénanec")
    journey.check("convention en projet")
    # Its clauses are edited on a page; the missing clauses follow what is typed.
    page.get_by_role("link", name="Modifier les clauses du brouillon").click()
    missing = page.locator("#missing-clauses")
    expect(missing).to_contain_text("Aucune clause obligatoire ne manque")
    page.get_by_label("Contrôle et évaluation").fill("")
    expect(missing).to_contain_text("contrôle et d'évaluation")
    journey.check("brouillon à compléter")
    page.get_by_label("Contrôle et évaluation").fill("Bilan des ateliers chaque trimestre.")
    expect(missing).to_contain_text("Aucune clause obligatoire ne manque")
    page.get_by_role("button", name="Enregistrer les clauses").click()
    expect(page.locator(".messages")).to_contain_text("enregistrées")
    page.get_by_role("button", name=re.compile("^Envoyer pour signature")).click()
    expect(page.get_by_text("Enregistrer la signature").first).to_be_visible()
    journey.check("convention envoyée")
    page.get_by_label("Date de signature").fill(today.isoformat())
    page.get_by_role("button", name="Enregistrer la signature").click()
    expect(page.get_by_text(re.compile(r"^Signée le"))).to_be_visible()
    journey.check("convention signée")
    convention = Convention.objects.get(award=bikes.award)
    year = convention.years.order_by("year").first()
    page.get_by_text(f"Confirmer la tranche {year.year}").click()
    page.get_by_label("Référence du vote du budget").fill("BP-2026")
    page.get_by_label("Date du vote").fill((today - dt.timedelta(days=1)).isoformat())
    page.get_by_role("button", name="Confirmer").click()
    expect(page.get_by_role("heading", name=re.compile(f"^{year.year} — Confirmée"))).to_be_visible()
    journey.check("tranche confirmée")

    # The advance: ordered and paid.
    page.get_by_text("Mandater").first.click()
    page.get_by_label("Référence du mandat").first.fill("MDT-2026-0117")
    page.get_by_label("Versé le (facultatif)").first.fill(today.isoformat())
    page.get_by_role("button", name="Enregistrer le mandat").first.click()
    expect(page.get_by_text(re.compile("mandat MDT-2026-0117"))).to_contain_text("versé le")
    journey.check("avance versée")
    journey.assert_fits(320, "convention")
    journey.visit("/conventions/versements/", "calendrier des versements")
    expect(page.get_by_role("link", name="Versements à mandater (CSV)")).to_be_visible()

    # A year and a half later the convention's year is over: the association files the CERFA
    # 15059 report, prefilled with its provisional budget, from its own browser.
    report = year.report
    traveller = time_machine.travel(dt.datetime(report.year.year + 1, 2, 1, 10, 0,
                                                tzinfo=dt.UTC), tick=True)
    traveller.start()
    request.addfinalizer(traveller.stop)
    association = journey_factory("association_files_report")
    association.log_in(bikes_member.email, PASSWORD)
    association.visit(f"/conventions/comptes-rendus/{report.pk}/", "compte rendu à déposer")
    filing = association.page
    filing.get_by_label("Part de la subvention utilisée (€)").fill("3 500,00")
    filing.get_by_label("Bilan qualitatif").fill("Douze ateliers, 140 vélos réparés.")
    filing.get_by_role("button", name="Déposer le compte rendu").click()
    expect(filing.get_by_text("Douze ateliers, 140 vélos réparés.")).to_be_visible()
    association.check("compte rendu déposé")
    report.refresh_from_db()
    assert report.status == "submitted"
    journey.log_in(agent.email, PASSWORD)
    journey.visit(f"/conventions/comptes-rendus/{report.pk}/", "compte rendu reçu")
    expect(page.get_by_text("Douze ateliers, 140 vélos réparés.")).to_be_visible()
    page.get_by_label("Approuver").check()
    page.get_by_role("button", name="Enregistrer la décision").click()
    expect(page.get_by_text(re.compile(r"^Approuvé le"))).to_be_visible()
    journey.check("compte rendu approuvé")
    report.refresh_from_db()
    assert report.status == "approved"
    assert Application.objects.get(pk=bikes.pk).status == ApplicationStatus.AWARDED


def test_agent_sets_up_a_fund_and_its_call(journey):
    AuthorityFactory(name="Ville de Lorient")
    agent = staff_user(Role.FINANCE_AGENT, email="agent@ville.example")
    page = journey.page
    today = timezone.localdate()

    # From the agents' home page to a new fund: the envelope and the shares typed the French way.
    journey.log_in(agent.email, PASSWORD)
    journey.visit("/agent/")
    page.get_by_role("link", name="Créer et paramétrer les fonds et les appels").click()
    page.get_by_role("link", name="Créer un fonds").click()
    journey.check("nouveau fonds")
    page.locator("#id_name").fill("Fonds pour les transitions 2027")
    page.get_by_label("Première année budgétaire").fill("2027")
    page.get_by_label("Dernière année budgétaire").fill("2027")
    page.get_by_label("Enveloppe (€)").fill("200 000,00")
    page.get_by_label("Projet", exact=True).check()
    page.get_by_label("Part maximale de la collectivité (%)").fill("75")
    page.get_by_label("Montant maximal par projet (€)").fill("12 000")
    page.get_by_role("button", name="Créer le fonds").click()
    expect(page.locator(".messages")).to_contain_text("Fonds « Fonds pour les transitions 2027 »")
    journey.check("fonds créé")
    fund = Fund.objects.get()
    assert (fund.envelope, fund.max_authority_share) == (Decimal("200000.00"), Decimal("0.7500"))

    # Its call: who may apply, the documents, one question and the calendar; a closing date
    # before the opening is shown on the closing date.
    page.get_by_role("link", name="Créer un appel").click()
    page.locator("#id_title").fill("Appel à initiatives 2027")
    page.get_by_label("Description").fill("Des projets pour les transitions à Lorient.")
    page.get_by_label("Association", exact=True).check()
    page.get_by_label("Statuts", exact=True).check()
    page.get_by_label("Question 1").fill("Comment les habitants sont-ils associés ?")
    for field, days in [("opens_on", 30), ("closes_on", 20), ("decision_on", 90),
                        ("results_on", 100), ("ends_on", 300)]:
        page.locator(f"#id_{field}").fill((today + dt.timedelta(days=days)).isoformat())
    page.get_by_role("button", name="Créer l'appel").click()
    expect(page.locator("#id_closes_on_error")).to_contain_text("ne peut pas précéder")
    journey.check("appel refusé : dates")
    page.locator("#id_closes_on").fill((today + dt.timedelta(days=60)).isoformat())
    page.get_by_role("button", name="Créer l'appel").click()
    expect(page.locator(".messages")).to_contain_text("créé en préparation")
    journey.check("appel créé")
    call = Call.objects.get()
    assert (call.fund, call.applicant_kinds, call.required_documents, call.questions) == (
        fund, ["association"], ["statutes"], ["Comment les habitants sont-ils associés ?"])
