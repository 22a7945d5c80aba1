"""The create-convention page proposes the budget account of the nature and of the fund
(rules.default_imputation), says why beside the field, and keeps what the agent typed."""

import json
from decimal import Decimal

import pytest
from django.urls import reverse

from backoffice.core.roles import Role
from conventions.models import Convention
from tests.factories import AuthorityFactory, OrganisationFactory, staff_user
from tests.funds.factories import FundFactory

from .helpers import field_error, form_with, messages_of, value_of


@pytest.fixture
def agent(db):
    return staff_user(Role.FINANCE_AGENT)


def _help(page) -> str:
    return page.html.select_one("#id_imputation_helptext").get_text(" ", strip=True)


def _fill(form, organisation, nature, **values):
    form["organisation"] = str(organisation.pk)
    form["object"] = "Rénovation du local associatif"
    form["nature"] = nature
    form["start_date"], form["end_date"] = "2026-01-01", "2026-12-31"
    form["yearly_amounts"] = "30 000"
    form["conditions_of_use"] = "Travaux du local."
    form["evaluation_terms"] = "Visite de fin de chantier."
    for name, value in values.items():
        form[name] = value


def test_create_page_proposes_the_account_of_the_nature_and_fund(app, agent):
    authority = AuthorityFactory()
    organisation = OrganisationFactory()
    equipment = FundFactory(authority=authority, name="Fonds équipements de quartier",
                            budget_imputation="20422",
                            natures=["investissement"])
    app.set_user(agent)
    page = app.get(reverse("conventions:convention-create"))
    assert value_of(page, "imputation") == "6574"
    assert "section de fonctionnement" in _help(page)
    field = page.html.select_one("#id_imputation")
    assert "id_imputation_helptext" in field["aria-describedby"]
    proposals = json.loads(page.html.select_one("#imputation-proposals").string)
    assert proposals[""]["investissement"][0] == "20421"
    assert proposals[str(equipment.pk)]["investissement"][0] == "20422"
    assert proposals[str(equipment.pk)]["fonctionnement"][0] == "6574"
    assert "ne correspond pas" in proposals[str(equipment.pk)]["fonctionnement"][1]

    # Refused (no amount): the reason follows the nature and the fund posted, the account
    # left empty stays empty.
    form = form_with(page, "Créer la convention")
    _fill(form, organisation, "investissement", fund=str(equipment.pk), imputation="",
          yearly_amounts="")
    refused = form.submit(status=400)
    assert field_error(refused, "yearly_amounts")
    assert "celui du fonds « Fonds équipements de quartier »" in _help(refused)
    assert value_of(refused, "imputation") == ""
    assert not Convention.objects.exists()

    # Left empty: the account of the nature and fund is taken.
    form = form_with(refused, "Créer la convention")
    form["yearly_amounts"] = "30 000"
    form.submit().follow()
    assert Convention.objects.get().imputation == "20422"


def test_an_account_typed_by_hand_is_kept_with_a_warning_when_it_misfits(app, agent):
    AuthorityFactory()
    organisation = OrganisationFactory()
    app.set_user(agent)
    form = form_with(app.get(reverse("conventions:convention-create")), "Créer la convention")
    _fill(form, organisation, "investissement", imputation="6574")
    page = form.submit().follow()
    convention = Convention.objects.get()
    assert convention.imputation == "6574"
    assert convention.years.get().planned_amount == Decimal("30000.00")
    assert ("Le compte 6574 ne correspond pas à la nature « Investissement » : le compte "
            "proposé pour cette nature est 20421.") in messages_of(page)
    form = form_with(app.get(reverse("conventions:convention-create")), "Créer la convention")
    _fill(form, organisation, "investissement", imputation="")
    page = form.submit().follow()
    assert Convention.objects.latest("pk").imputation == "20421"
    assert "ne correspond pas" not in messages_of(page)


def test_create_page_signs_for_the_authority_chosen_and_its_funds_only(app, agent, settings):
    """An intercommunalité and a commune share the service: each fund says whose it is, the
    authority that signs is chosen (the site's preselected), a fund of the other is refused
    next to its field, and the convention is numbered in the signing authority's sequence."""
    commune = AuthorityFactory(name="Ville de Lanester")
    epci = AuthorityFactory(name="Lorient Agglomération", reference_code="LA")
    FundFactory(authority=commune, name="Fonds des quartiers")
    theirs = FundFactory(authority=epci, name="Fonds de l'agglomération")
    organisation = OrganisationFactory()
    settings.SITE_AUTHORITY_ID = commune.pk
    app.set_user(agent)
    page = app.get(reverse("conventions:convention-create"))
    form = form_with(page, "Créer")
    options = [text for _value, _selected, text in form.fields["fund"][0].options]
    assert "Fonds des quartiers — Ville de Lanester" in options
    assert "Fonds de l'agglomération — Lorient Agglomération" in options
    assert value_of(page, "authority") == str(commune.pk)
    _fill(form, organisation, "fonctionnement", fund=str(theirs.pk))
    refused = form.submit(status=400)
    assert ("Ce fonds appartient à Lorient Agglomération, pas à Ville de Lanester"
            in field_error(refused, "fund"))
    assert not Convention.objects.exists()
    form = form_with(refused, "Créer")
    form["authority"] = str(epci.pk)
    form.submit().follow()
    convention = Convention.objects.get()
    assert convention.authority == epci and convention.reference == "CONV-LA-2026-0001"

