"""The convention page and the API record a payment order (and its payment) through the same
service, ``payment_record``: the same bad dates get the same French message with nothing
saved, the same good input stores the same payment."""

import datetime as dt

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from backoffice.core.roles import Role
from tests.factories import staff_user
from tests.forms.helpers import field_error, form_with, value_of

from .factories import make_convention

pytestmark = pytest.mark.django_db

PAID_BEFORE_ORDER = "Le versement ne peut pas précéder le mandat."


@pytest.fixture
def agent(db):
    return staff_user(Role.FINANCE_AGENT)


def _orderable_line(convention):
    return next(line for year in convention.years.all() for line in year.lines.all()
                if line.trigger_date and year.status != "planned")


def _page_order(django_app, agent, convention, line, *, paid_on, status=302):
    django_app.set_user(agent)
    action = reverse("conventions:convention-action", args=[convention.pk, "order"])
    page = django_app.get(reverse("conventions:convention-detail", args=[convention.pk]))
    form = form_with(page, url=action, line=line.pk)
    form["ordered_on"], form["paid_on"] = "2026-02-01", paid_on
    form["mandate_reference"], form["account"] = "M-2026-17", "6574-1"
    return form.submit(status=status), action


def _api_order(agent, convention, line, *, paid_on):
    client = APIClient()
    client.force_authenticate(agent)
    return client.post(f"/api/v1/conventions/{convention.pk}/payments/", {
        "line": line.pk, "ordered_on": "2026-02-01", "paid_on": paid_on,
        "mandate_reference": "M-2026-17", "account": "6574-1"}, format="json")


def _stored(line):
    return [(p.status, p.amount, p.ordered_on, p.paid_on, p.mandate_reference, p.account)
            for p in line.payments.all()]


def test_paid_before_ordered_gets_the_same_message_and_records_nothing(django_app, agent):
    on_page, on_api = make_convention(confirmed=True), make_convention(confirmed=True)
    page_line, api_line = _orderable_line(on_page), _orderable_line(on_api)

    refused, action = _page_order(django_app, agent, on_page, page_line, paid_on="2026-01-25",
                                  status=400)
    response = _api_order(agent, on_api, api_line, paid_on="2026-01-25")

    where = {"url": action, "where": {"line": page_line.pk}}
    assert PAID_BEFORE_ORDER in field_error(refused, "paid_on", **where)
    assert value_of(refused, "paid_on", **where) == "2026-01-25"
    assert response.status_code == 400
    assert response.json()["paid_on"] == [PAID_BEFORE_ORDER]
    # Both or nothing: the order is not kept without its payment.
    assert _stored(page_line) == _stored(api_line) == []


def test_order_and_payment_are_stored_alike_from_the_page_and_the_api(django_app, agent):
    on_page, on_api = make_convention(confirmed=True), make_convention(confirmed=True)
    page_line, api_line = _orderable_line(on_page), _orderable_line(on_api)

    _page_order(django_app, agent, on_page, page_line, paid_on="2026-02-03")
    assert _api_order(agent, on_api, api_line, paid_on="2026-02-03").status_code == 201

    stored = _stored(page_line)
    assert stored == _stored(api_line)
    assert stored == [("paid", page_line.amount, dt.date(2026, 2, 1), dt.date(2026, 2, 3),
                       "M-2026-17", "6574-1")]
