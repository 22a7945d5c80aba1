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


def test_create_page_offers_only_the_funds_of_the_site_authority(app, agent, settings):
    """An intercommunalité and a commune share the service: the page of the commune never
    proposes the intercommunalité's funds (nor their accounts)."""
    commune, epci = AuthorityFactory(), AuthorityFactory()
    ours = FundFactory(authority=commune, name="Fonds des quartiers")
    FundFactory(authority=epci, name="Fonds de l'agglomération")
    settings.SITE_AUTHORITY_ID = commune.pk
    app.set_user(agent)
    page = app.get(reverse("conventions:convention-create"))
    options = [text for _value, _selected, text in
               form_with(page, "Créer").fields["fund"][0].options]
    assert "Fonds des quartiers" in options and ours.name in options
    assert "Fonds de l'agglomération" not in options
