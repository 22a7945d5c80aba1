"""An association, from its first visit to the receipt of its re-deposited application."""

import re
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from backoffice.core.demo import demo_siret
from backoffice.core.money import format_eur
from backoffice.core.roles import Role
from funds.models import Application, ApplicationStatus
from funds.rules import percent
from tests.factories import staff_user
from tests.funds.factories import CallFactory

pytestmark = [pytest.mark.browser, pytest.mark.services]

QUESTION = "Comment les habitants du quartier participeront-ils ?"


@pytest.fixture
def smic_rates(transactional_db):
    """The SMIC rates of the data migration (an earlier transactional test may have flushed
    them): the volunteering of the budget is valued with them."""
    from importlib import import_module

    from volunteering.models import ValuationRate

    migration = import_module("volunteering.migrations.0002_seed_smic_rates")
    for kind, valid_from, value, source in migration.RATES:
        ValuationRate.objects.get_or_create(kind=kind, qualification="", valid_from=valid_from,
                                            defaults={"value": value, "source": source})


def test_association_applies_answers_and_redeposits(journey, smic_rates):
    call = CallFactory(title="Initiatives pour les transitions 2026", questions=[QUESTION])
    instructor = staff_user(Role.INSTRUCTOR)
    page = journey.page

    # Sign up from the home page.
    journey.visit("/", "accueil")
    page.get_by_role("link", name="Créer un compte").first.click()
    journey.check("inscription")
    page.locator("#id_first_name").fill("Nolwenn")
    page.locator("#id_last_name").fill("Le Goff")
    page.locator("#id_email").fill("nolwenn@repair-cafe.example")
    page.locator("#id_password1").fill("velos-et-soudure-2026")
    page.locator("#id_password2").fill("velos-et-soudure-2026")
    page.get_by_role("button", name="Créer mon compte").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Vérifiez votre messagerie")
    journey.confirm_email("nolwenn@repair-cafe.example")
    expect(page.get_by_role("heading", level=1)).to_have_text("Mon espace")
    journey.check("mon espace, sans organisation")

    # Create the organisation; a refused submit keeps what was typed and says why.
    page.get_by_role("link", name="Créer une organisation").click()
    journey.check("créer une organisation")
    page.locator("#id_name").fill("Repair café de Kervénanec")
    page.locator("#id_legal_form").select_option("association")
    page.locator("#id_siret").fill("123")
    page.get_by_role("button", name="Enregistrer").click()
    summary = page.locator(".error-summary")
    expect(page.locator("#id_siret")).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#id_name")).to_have_value("Repair café de Kervénanec")
    journey.check("organisation refusée")
    summary.get_by_role("link").first.click()
    page.locator("#id_siret").fill(demo_siret(4242))
    page.locator("#id_rna").fill("W561234567")
    page.locator("#id_city").fill("Lorient")
    page.locator("#id_legal_representative_name").fill("Nolwenn Le Goff")
    page.locator("#id_accept_cer").check()
    page.get_by_role("button", name="Enregistrer").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Repair café de Kervénanec")
    journey.check("fiche de l'organisation")

    # Apply to the open call.
    journey.visit("/fonds/", "appels ouverts")
    page.get_by_role("link", name=call.title).click()
    journey.check("appel")
    page.get_by_role("link", name="Déposer un dossier").click()
    journey.check("commencer un dossier")
    page.locator("#id_title").fill("Atelier vélo du samedi")
    page.get_by_role("button", name="Commencer le dossier").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Atelier vélo du samedi")
    journey.check("dossier vide")
    journey.assert_fits(320, "dossier vide")
    journey.assert_focus_ring(page.locator("#id_summary"))
    journey.assert_focus_ring(page.get_by_role("button", name="Déposer le dossier"))

    # A submit with nothing filled in: every error is listed, linked and on its field.
    page.get_by_role("button", name="Déposer le dossier").click()
    summary = page.locator(".error-summary").first
    expect(summary).to_be_focused()
    expect(summary).to_contain_text("Indiquez le résumé.")
    expect(page.locator("#id_summary")).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#id_q_0")).to_have_attribute("aria-invalid", "true")
    journey.check("dépôt refusé")
    summary.get_by_role("link", name=re.compile("Résumé")).click()
    expect(page.locator("#id_summary")).to_be_focused()

    page.locator("#id_summary").fill("Un atelier mensuel où chacun apprend à réparer son vélo.")
    page.locator("#id_place").fill("Lorient, Kervénanec")
    page.locator("#id_start_date").fill("2026-09-01")
    page.locator("#id_end_date").fill("2027-06-30")
    page.locator("#id_nature").select_option(label="Projet")
    page.locator("#id_amount_requested").fill("4 000")
    page.locator("#id_volunteer_hours").fill("80")
    page.locator("#id_cer_accepted").check()
    page.locator("#id_q_0").fill("Chaque atelier est ouvert à tous, sans inscription.")
    # The CERFA budget: 5 000 € of charges = 4 000 € asked + 1 000 € of dues; the volunteering
    # (86/87) is computed from the hours at the current rate.
    page.locator("#id_c60").fill("4 200")
    page.locator("#id_c62").fill("800")
    page.locator("#id_r75").fill("1 000")
    page.locator("#id_r75").blur()
    expect(page.locator("#id_k864")).to_be_disabled()
    expect(page.locator("#id_k864_helptext")).to_have_text(re.compile("heures prévues × taux"))

    # The live shares follow what is typed (the draft is saved on the way).
    shares = page.locator("#shares")
    expect(shares).to_contain_text("Brouillon enregistré")
    journey.settle()
    application = Application.objects.get(title="Atelier vélo du samedi")
    volunteering = application.budget_lines.get(account="864").amount
    assert volunteering == application.budget_lines.get(account="870").amount > 0
    total = Decimal("5000.00") + volunteering
    expect(shares.get_by_role("row", name=re.compile("Coût total"))).to_contain_text(
        format_eur(total))
    expect(shares.get_by_role("row", name=re.compile("Part de la collectivité"))).to_contain_text(
        percent(Decimal("4000") / total))
    expect(shares).to_contain_text(format_eur(volunteering))
    journey.check("dossier rempli, parts en direct")

    page.get_by_role("button", name="Déposer le dossier").click()
    expect(page.get_by_text("Dossier déposé.")).to_be_visible()
    expect(page.locator(".tag").first).to_have_text("Déposé")
    journey.check("dossier déposé")
    application.refresh_from_db()
    assert application.status == ApplicationStatus.SUBMITTED

    # The instructor asks for more information (their own journey covers the review page).
    from funds import services

    services.application_request_info(application=application, user=instructor,
                                      message="Précisez le coût des outils.")

    # The association sees the request, answers and re-deposits without touching the budget.
    budget_before = sorted(application.budget_lines.values_list("account", "label", "amount"))
    journey.visit(f"/fonds/dossiers/{application.pk}/", "compléments demandés")
    expect(page.get_by_text("Précisez le coût des outils.")).to_be_visible()
    page.get_by_role("link", name="Compléter et redéposer").click()
    journey.check("dossier à compléter")
    page.locator("#id_answer").fill("Outils : 1 200 €, inclus dans le compte 60.")
    page.get_by_role("button", name="Redéposer le dossier").click()
    expect(page.get_by_text("Dossier déposé.")).to_be_visible()
    application.refresh_from_db()
    assert application.version == 2
    assert sorted(application.budget_lines.values_list("account", "label", "amount")) == \
        budget_before
    assert application.amount_requested == Decimal("4000.00")

    # The receipt of the second version opens as a PDF.
    page.reload()
    expect(page.get_by_text(re.compile(r"^Version 2 du"))).to_be_visible()
    journey.check("dossier redéposé")
    receipt = page.get_by_role("link", name="récépissé PDF").last
    response = page.request.get(journey.url(receipt.get_attribute("href")))
    assert response.status == 200
    assert response.headers["content-type"] == "application/pdf"
    assert response.body().startswith(b"%PDF")
