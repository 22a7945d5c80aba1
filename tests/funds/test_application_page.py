"""The application page as the browser renders it: stale pages, autosave, re-deposit."""

from decimal import Decimal

import pytest

from backoffice.core.roles import Role
from funds import services
from funds.models import Application, ApplicationStatus
from tests.factories import staff_user

pytestmark = pytest.mark.django_db


def _edit_form(page):
    return next(f for f in page.forms.values() if "version" in f.fields)


def _amount(text):
    return Decimal(text.replace("\u202f", "").replace(" ", "").replace(",", "."))


def _budget(application):
    return sorted((line.account, line.label, line.amount, line.funder, line.funder_status,
                   line.is_this_authority) for line in application.budget_lines.all())


def test_the_edit_page_is_never_served_from_the_browser_cache(draft, django_app):
    page = django_app.get(f"/fonds/dossiers/{draft.pk}/modifier/", user=draft.applicant)
    assert "no-store" in page.headers["Cache-Control"]


def test_an_outdated_page_does_not_overwrite_a_newer_save(draft, django_app):
    url = f"/fonds/dossiers/{draft.pk}/modifier/"
    old_page = django_app.get(url, user=draft.applicant)
    # Meanwhile the amount is changed elsewhere (another tab, another member).
    newer = _edit_form(django_app.get(url, user=draft.applicant))
    newer["amount_requested"] = "5000"
    newer["c60"] = "5500"
    newer.submit("action", index=0).follow()
    assert Application.objects.get(pk=draft.pk).amount_requested == Decimal("5000.00")

    form = _edit_form(old_page)
    form["place"] = "Maison de quartier"
    refused = form.submit("action", index=0, status=400)
    assert "modifiées depuis que vous avez ouvert cette page" in refused.text
    assert "Montant demandé" in refused.text and "5\u202f000,00" in refused.text
    assert Application.objects.get(pk=draft.pk).amount_requested == Decimal("5000.00")
    # Nothing typed is lost; saving again is a deliberate choice and goes through.
    again = _edit_form(refused)
    assert again["place"].value == "Maison de quartier"
    assert _amount(again["amount_requested"].value) == Decimal("4000")
    again.submit("action", index=0).follow()
    saved = Application.objects.get(pk=draft.pk)
    assert saved.place == "Maison de quartier" and saved.amount_requested == Decimal("4000.00")


def test_the_autosave_refuses_an_outdated_page_and_moves_the_version_on(draft, django_app):
    url = f"/fonds/dossiers/{draft.pk}/modifier/"
    page = django_app.get(url, user=draft.applicant)
    form = _edit_form(page)
    fields = dict(form.submit_fields())
    panel = django_app.post(f"/fonds/dossiers/{draft.pk}/parts/", {**fields, "place": "Ici"},
                            user=draft.applicant)
    assert "Brouillon enregistré" in panel.text
    new_version = panel.html.find(id="id_version")
    assert new_version["hx-swap-oob"] == "true" and new_version["value"] != fields["version"]
    # A second tab still holding the first version cannot autosave over it.
    stale = django_app.post(f"/fonds/dossiers/{draft.pk}/parts/", {**fields, "place": "Là"},
                            user=draft.applicant)
    assert "Brouillon non enregistré" in stale.text and "Brouillon enregistré" not in stale.text
    assert Application.objects.get(pk=draft.pk).place == "Ici"


def test_re_depositing_keeps_the_budget_exactly(draft, django_app):
    instructor = staff_user(Role.INSTRUCTOR)
    services.application_submit(application=draft, user=draft.applicant)
    services.application_request_info(application=draft, user=instructor,
                                      message="Précisez le lieu.")
    before = _budget(draft)
    assert ("864", "Bénévolat", Decimal("1000.00"), "", "", False) in before

    page = django_app.get(f"/fonds/dossiers/{draft.pk}/modifier/", user=draft.applicant)
    form = _edit_form(page)
    assert _amount(form["k864"].value) == Decimal("1000")  # not hours × today's rate
    form["answer"] = "Le lieu est précisé."
    form.submit("action", index=1).follow()

    draft.refresh_from_db()
    assert draft.status == ApplicationStatus.SUBMITTED
    assert _budget(draft) == before


def test_changing_the_hours_revalues_the_volunteering(draft, django_app):
    page = django_app.get(f"/fonds/dossiers/{draft.pk}/modifier/", user=draft.applicant)
    form = _edit_form(page)
    form["volunteer_hours"] = "100"
    form.submit("action", index=0).follow()
    lines = {line.account: line for line in draft.budget_lines.all()}
    assert lines["864"].amount == lines["870"].amount != Decimal("1000.00")
    assert lines["60"].label == "Matériel"  # an untouched line keeps its own label


def test_an_outdated_review_page_does_not_overwrite_another_instructors_review(draft,
                                                                                django_app):
    services.application_submit(application=draft, user=draft.applicant)
    instructor = staff_user(Role.INSTRUCTOR)
    url = f"/fonds/gestion/dossiers/{draft.pk}/"
    old_page = django_app.get(url, user=instructor)
    assert "no-store" in old_page.headers["Cache-Control"]
    newer = _edit_form(django_app.get(url, user=instructor))
    newer["proposed_amount"] = "3000"
    newer.submit("action", value="save").follow()

    form = _edit_form(old_page)
    form["proposed_amount"] = "4000"
    refused = form.submit("action", value="save", status=400)
    assert "modifiées depuis que vous avez ouvert cette page" in refused.text
    assert Application.objects.get(pk=draft.pk).proposed_amount == Decimal("3000.00")
    assert _amount(_edit_form(refused)["proposed_amount"].value) == Decimal("4000")
