"""The application page and the API save a draft through the same service: the same amount
gives the same stored budget (this authority's 74 line is the amount requested) and the same
bad amount the same French message, with nothing saved."""

from decimal import Decimal

import pytest
from rest_framework.test import APIClient

from funds.models import Application
from tests.factories import MembershipFactory

from .factories import ApplicationFactory

pytestmark = pytest.mark.django_db


def _budget(application):
    return sorted((line.account, line.label, line.amount, line.funder, line.funder_status,
                   line.is_this_authority) for line in application.budget_lines.all())


@pytest.fixture
def twin(call):
    application = ApplicationFactory(call=call)
    MembershipFactory(user=application.applicant, organisation=application.organisation)
    return application


def _page_save(django_app, application, amount, status=302):
    page = django_app.get(f"/fonds/dossiers/{application.pk}/modifier/",
                          user=application.applicant)
    form = next(f for f in page.forms.values() if "version" in f.fields)
    form["amount_requested"] = amount
    return form.submit("action", index=0, status=status)


def _api_save(application, amount):
    client = APIClient()
    client.force_authenticate(application.applicant)
    return client.patch(f"/api/v1/applications/{application.pk}/",
                        {"amount_requested": amount}, format="json")


def test_a_new_amount_gives_the_same_stored_budget_from_the_page_and_the_api(draft, twin,
                                                                              django_app):
    assert _budget(draft) == _budget(twin)
    _page_save(django_app, draft, "3500")
    assert _api_save(twin, "3500.00").status_code == 200

    page_budget, api_budget = _budget(draft), _budget(twin)
    assert page_budget == api_budget
    authority_lines = [line for line in page_budget if line[5]]
    assert len(authority_lines) == 1 and authority_lines[0][:3:2] == ("74", Decimal("3500.00"))
    assert authority_lines[0][1] == draft.call.fund.authority.name


def test_a_negative_amount_gets_the_same_french_message_and_saves_nothing(draft, twin,
                                                                         django_app):
    before_page, before_api = _budget(draft), _budget(twin)
    refused = _page_save(django_app, draft, "-10", status=400)
    response = _api_save(twin, "-10")

    assert response.status_code == 400
    message = response.json()["amount_requested"][0]
    assert message == "Un montant ne peut pas être négatif."
    field = refused.html.find(id="id_amount_requested")
    error = refused.html.find(id=field["aria-describedby"].split()[-1])
    assert message in error.text
    for application, before in [(draft, before_page), (twin, before_api)]:
        assert _budget(application) == before
        assert Application.objects.get(pk=application.pk).amount_requested == \
            application.amount_requested
