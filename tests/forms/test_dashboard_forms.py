"""Round trips of the dashboard pages' forms: the year choice (dashboard and scorecard) and
the printable scorecard request."""

from decimal import Decimal

import pytest
from django.db import connection
from django.urls import reverse

from backoffice.core.roles import Role
from dashboard.models import ScorecardDocument
from tests.factories import AuthorityFactory, staff_user
from tests.funds.factories import FundFactory

from .helpers import form_with, messages_of


def test_year_choice_on_dashboard_and_scorecard(app):
    app.set_user(staff_user(Role.DECISION_MAKER))
    for name in ("dashboard:index", "dashboard:scorecard"):
        page = app.get(reverse(name))
        form = form_with(page, "Afficher")
        year = form["annee"].options[-1][0]
        form["annee"] = year
        shown = form.submit()
        assert form_with(shown, "Afficher")["annee"].value == year
        assert not messages_of(shown)
        form = form_with(shown, "Afficher")
        form["annee"].force_value("deux mille")
        refused = form.submit()
        assert "Année invalide : « deux mille »" in messages_of(refused)


def test_scorecard_pdf_request(app):
    app.set_user(staff_user(Role.FINANCE_AGENT))
    page = app.get(reverse("dashboard:scorecard") + "?annee=2026")
    form = form_with(page, "Préparer le PDF pour le conseil")
    form["annee"].force_value("abc")
    refused = form.submit().follow()
    assert "Année invalide" in messages_of(refused)
    assert not ScorecardDocument.objects.exists()
    form = form_with(app.get(reverse("dashboard:scorecard") + "?annee=2026"),
                     "Préparer le PDF pour le conseil")
    status = form.submit().follow()
    document = ScorecardDocument.objects.get()
    assert document.year == 2026
    assert status.request.path == reverse("dashboard:scorecard-pdf", args=[document.pk])


@pytest.mark.skipif(connection.vendor != "postgresql",
                    reason="the scorecard is read from rollups kept by PostgreSQL")
def test_year_choice_and_pdf_request_keep_the_chosen_authority(app, settings):
    """Two authorities share the service: the year form and the PDF request of one authority's
    scorecard stay that authority's."""
    settings.SITE_AUTHORITY_ID = None
    commune, epci = AuthorityFactory(name="Ville de Lanester"), AuthorityFactory(
        name="Lorient Agglomération")
    FundFactory(authority=commune, year_start=2020, year_end=2030, envelope=Decimal("100000"))
    FundFactory(authority=epci, year_start=2020, year_end=2030, envelope=Decimal("400000"))
    app.set_user(staff_user(Role.DECISION_MAKER))
    url = reverse("dashboard:scorecard") + f"?collectivite={epci.pk}"
    form = form_with(app.get(url), "Afficher")
    year = form["annee"].options[-1][0]
    form["annee"] = year
    shown = form.submit()
    assert shown.request.GET["collectivite"] == str(epci.pk)
    assert form_with(shown, "Afficher")["annee"].value == year
    assert "400\u202f000,00\xa0€" in shown.text and "100\u202f000,00\xa0€" not in shown.text
    assert not messages_of(shown)
    form = form_with(shown, "Afficher")
    form["annee"].force_value("deux mille")
    refused = form.submit()
    assert "Année invalide : « deux mille »" in messages_of(refused)
    assert "400\u202f000,00\xa0€" in refused.text and "100\u202f000,00\xa0€" not in refused.text

    form = form_with(app.get(url + "&annee=2026"), "Préparer le PDF pour le conseil")
    form["annee"].force_value("abc")
    refused = form.submit().follow()
    assert "Année invalide" in messages_of(refused)
    assert refused.request.GET["collectivite"] == str(epci.pk)
    assert not ScorecardDocument.objects.exists()
    form = form_with(app.get(url + "&annee=2026"), "Préparer le PDF pour le conseil")
    form.submit().follow()
    document = ScorecardDocument.objects.get()
    assert (document.year, document.authority) == (2026, epci)
