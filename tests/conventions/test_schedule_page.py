"""The schedule page, as rendered: an outdated page does not overwrite a newer schedule."""

from decimal import Decimal

import pytest
from django.urls import reverse

from .factories import make_convention

pytestmark = pytest.mark.django_db


def _schedule_form(page):
    return next(f for f in page.forms.values() if "version" in f.fields)


def test_an_outdated_schedule_page_saves_nothing(django_app, agent, authority, organisation):
    convention = make_convention(authority=authority, organisation=organisation, agent=agent)
    year = convention.years.get(year=2026)
    url = reverse("conventions:schedule-edit", args=[convention.pk, year.pk])
    first = django_app.get(url, user=agent)
    assert "no-store" in first.headers["Cache-Control"]
    second = _schedule_form(django_app.get(url, user=agent))
    total = sum(line.amount for line in year.lines.all())
    second["form-0-amount"] = "1000"
    second["form-1-amount"] = str(total - Decimal("1000"))
    second.submit().follow()
    saved = [line.amount for line in year.lines.order_by("position")]

    form = _schedule_form(first)
    form["form-0-amount"] = "2000"
    form["form-1-amount"] = str(total - Decimal("2000"))
    refused = form.submit(status=400)
    assert "modifiées depuis que vous avez ouvert cette page" in refused.text
    assert [line.amount for line in year.lines.order_by("position")] == saved
    again = _schedule_form(refused)
    assert again["form-0-amount"].value == "2000"
    again.submit().follow()
    assert year.lines.order_by("position").first().amount == Decimal("2000.00")
