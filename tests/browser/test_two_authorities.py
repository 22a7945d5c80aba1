"""A finance agent of a service shared by a commune and its intercommunalité: the list says
whose each convention is, the payment calendar is chosen per authority, and a convention is
created for the authority chosen, refused with a fund of the other, numbered in its own
sequence. Every page checked by axe-core, no response ≥ 500."""

import pytest
from playwright.sync_api import expect

from backoffice.core.models import AuthorityKind
from backoffice.core.roles import Role
from conventions.models import Convention
from tests.conventions.factories import make_convention
from tests.factories import AuthorityFactory, OrganisationFactory, staff_user
from tests.funds.factories import FundFactory

pytestmark = [pytest.mark.browser, pytest.mark.services]

PASSWORD = "motdepasse-solide-42"


def test_a_shared_service_keeps_each_authority_apart(journey, settings):
    commune = AuthorityFactory(name="Ville de Lanester", city="Lanester")
    epci = AuthorityFactory(name="Lorient Agglomération", kind=AuthorityKind.EPCI,
                            city="Lorient", reference_code="LA")
    settings.SITE_AUTHORITY_ID = commune.pk
    FundFactory(authority=commune, name="Fonds des quartiers")
    FundFactory(authority=epci, name="Fonds territorial de réemploi")
    organisation = OrganisationFactory(name="Les Ateliers du Scorff")
    agent = staff_user(Role.FINANCE_AGENT, email="agent@agglo.example")
    ours = make_convention(authority=commune, organisation=organisation, agent=agent,
                           confirmed=True)
    theirs = make_convention(authority=epci, organisation=organisation, agent=agent,
                             confirmed=True)
    page = journey.page

    journey.log_in(agent.email, PASSWORD)
    journey.visit("/conventions/", "liste à deux collectivités")
    table = page.locator("table").last
    expect(table.get_by_role("columnheader", name="Collectivité")).to_be_visible()
    expect(table.get_by_role("row").filter(has_text=theirs.reference)).to_contain_text(
        "Lorient Agglomération")
    page.get_by_label("Collectivité").select_option(label="Lorient Agglomération")
    page.get_by_role("button", name="Filtrer").click()
    expect(page.get_by_role("link", name=theirs.reference)).to_be_visible()
    expect(page.get_by_role("link", name=ours.reference)).to_have_count(0)
    journey.check("liste filtrée par collectivité")

    journey.visit("/conventions/versements/", "calendrier, toutes collectivités")
    expect(page.get_by_role("status").filter(has_text="choisissez-en une")).to_be_visible()
    page.get_by_role("navigation", name="Collectivité").get_by_role(
        "link", name="Lorient Agglomération").click()
    expect(page.get_by_role("link", name="Versements à mandater de Lorient Agglomération (CSV)")
           ).to_be_visible()
    journey.check("calendrier de l'intercommunalité")
    journey.assert_fits(320, "calendrier de l'intercommunalité")

    journey.visit("/conventions/nouvelle/", "nouvelle convention, deux collectivités")
    expect(page.get_by_label("Collectivité qui signe")).to_have_value(str(commune.pk))
    page.get_by_label("Organisation bénéficiaire").select_option(label=organisation.name)
    page.locator("#id_object").fill("Réemploi des matériaux de chantier")
    page.get_by_label("Fonds (facultatif)").select_option(
        label="Fonds territorial de réemploi — Lorient Agglomération")
    page.locator("#id_start_date").fill("2026-01-01")
    page.locator("#id_end_date").fill("2026-12-31")
    page.get_by_label("Montant prévisionnel par année (€)").fill("24 000")
    page.get_by_label("Conditions d'utilisation").fill("Le réemploi des matériaux.")
    page.get_by_label("Contrôle et évaluation").fill("Un bilan en fin d'année.")
    page.get_by_role("button", name="Créer la convention").click()
    expect(page.locator(".field-error").filter(has_text="Ce fonds appartient à Lorient "
                                                        "Agglomération")).to_be_visible()
    expect(page.locator("#id_object")).to_have_value("Réemploi des matériaux de chantier")
    journey.check("fonds d'une autre collectivité refusé")
    page.get_by_label("Collectivité qui signe").select_option(label="Lorient Agglomération")
    page.get_by_role("button", name="Créer la convention").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("CONV-LA-2026-0002")
    journey.check("convention de l'intercommunalité")
    created = Convention.objects.get(reference="CONV-LA-2026-0002")
    assert created.authority == epci
