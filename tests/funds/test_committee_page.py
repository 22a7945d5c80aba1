"""The committee page, submitted as rendered: what was typed survives a refusal, row by row."""

from decimal import Decimal

import pytest
from django.utils import timezone

from backoffice.core.roles import Role
from funds.models import Application, ApplicationStatus, Award
from tests.factories import staff_user

from .factories import ApplicationFactory, CallFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def committee():
    call = CallFactory()
    rows = [ApplicationFactory(call=call, eligible=True, amount_requested=Decimal("4000.00"))
            for _ in range(3)]
    return call, rows


def _decisions_form(page):
    return next(f for f in page.forms.values() if "deliberation_reference" in f.fields)


def test_a_refused_committee_keeps_every_typed_row_and_shows_the_error_on_its_row(
        committee, django_app):
    call, (a, b, c) = committee
    user = staff_user(Role.DECISION_MAKER)
    page = django_app.get(f"/fonds/gestion/appels/{call.pk}/comite/", user=user)
    form = _decisions_form(page)
    form["deliberation_reference"] = "CM-2026-11"
    form["deliberation_date"] = timezone.localdate().isoformat()
    form["confirm"] = True
    form[f"d_{a.pk}"] = "award"
    form[f"a_{a.pk}"] = "3 500,00"
    form[f"d_{b.pk}"] = "award"
    form[f"a_{b.pk}"] = "trois mille"
    form[f"d_{c.pk}"] = "reject"
    form[f"m_{c.pk}"] = "Hors du périmètre du fonds"
    refused = form.submit(status=400)
    assert not Award.objects.exists()

    form = _decisions_form(refused)
    assert form["deliberation_reference"].value == "CM-2026-11"
    assert (form[f"d_{a.pk}"].value, form[f"a_{a.pk}"].value) == ("award", "3 500,00")
    assert (form[f"d_{b.pk}"].value, form[f"a_{b.pk}"].value) == ("award", "trois mille")
    assert (form[f"d_{c.pk}"].value, form[f"m_{c.pk}"].value) == (
        "reject", "Hors du périmètre du fonds")
    row_b = refused.html.find("select", id=f"d_{b.pk}").find_parent("tr")
    assert "Montant illisible" in row_b.get_text()
    row_a = refused.html.find("select", id=f"d_{a.pk}").find_parent("tr")
    assert "illisible" not in row_a.get_text()

    # Correct the one row and send again: every typed decision is applied.
    form[f"a_{b.pk}"] = "3000"
    form.submit().follow()
    assert Award.objects.get(application=a).amount == Decimal("3500.00")
    assert Award.objects.get(application=b).amount == Decimal("3000.00")
    assert Application.objects.get(pk=c.pk).status == ApplicationStatus.REJECTED


def test_a_line_refused_by_the_rules_is_flagged_on_its_row(committee, django_app):
    call, (a, b, _c) = committee
    user = staff_user(Role.DECISION_MAKER)
    page = django_app.get(f"/fonds/gestion/appels/{call.pk}/comite/", user=user)
    form = _decisions_form(page)
    form["deliberation_reference"] = "CM-2026-12"
    form["deliberation_date"] = timezone.localdate().isoformat()
    form["confirm"] = True
    form[f"d_{a.pk}"] = "award"
    form[f"a_{a.pk}"] = "2000"
    form[f"d_{b.pk}"] = "award"
    form[f"a_{b.pk}"] = "999999"  # above what was asked and the fund's maximum
    refused = form.submit(status=400)
    assert not Award.objects.exists()
    row_b = refused.html.find("select", id=f"d_{b.pk}").find_parent("tr")
    assert row_b.find(class_="field-error") is not None
    row_a = refused.html.find("select", id=f"d_{a.pk}").find_parent("tr")
    assert row_a.find(class_="field-error") is None
    assert _decisions_form(refused)[f"a_{a.pk}"].value == "2000"
