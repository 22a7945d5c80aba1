"""Round trips of the dashboard pages' forms: the year choice (dashboard and scorecard) and
the printable scorecard request."""

from django.urls import reverse

from backoffice.core.roles import Role
from dashboard.models import ScorecardDocument
from tests.factories import staff_user

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
