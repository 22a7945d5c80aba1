"""The organisation's closing date of its financial year, typed on its page as « 30/06 »."""

import pytest

from tests.factories import OrganisationFactory, member_of


def _form(page):
    return next(form for form in page.forms.values() if "financial_year_end" in form.fields)


@pytest.mark.django_db
def test_closing_date_round_trip(django_app):
    organisation = OrganisationFactory()
    admin = member_of(organisation)
    url = f"/organisations/{organisation.pk}/modifier/"
    form = _form(django_app.get(url, user=admin))
    assert form["financial_year_end"].value == "31/12"
    form["financial_year_end"] = "31/02"
    page = form.submit(user=admin, status=400)
    assert "par exemple 31/12 ou 30/06" in page.text
    form = _form(page)
    assert form["financial_year_end"].value == "31/02"  # what was typed is kept
    form["financial_year_end"] = "30/06"
    form.submit(user=admin).follow(user=admin)
    organisation.refresh_from_db()
    assert organisation.financial_year_end == "30/06"
