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


def test_a_repayment_by_hand_is_refused_alike_on_the_page_and_the_api(django_app, agent):
    """The page and the API start a repayment through ``repayment_request``: more than was
    paid gets the same French message next to the amount, nothing is saved; within what was
    paid, both open the same procedure."""
    import time_machine

    from conventions import services
    from conventions.models import LineKind, Recovery
    from tests.forms.test_recovery_forms import _flat

    with time_machine.travel(dt.datetime(2026, 6, 15, 10), tick=False):
        convention = make_convention(agent=agent, confirmed=True)
        advance = convention.years.get(year=2026).lines.get(kind=LineKind.ADVANCE)
        services.payment_record(line=advance, paid_on=dt.date(2026, 3, 31),
                                mandate_reference="M-2026-4", actor=agent)
        url = reverse("conventions:repayment-request", args=[convention.pk])
        django_app.set_user(agent)
        form = form_with(django_app.get(url), "Notifier la demande de reversement", url=url)
        form["ground"], form["amount"] = "unused", "15 000,01"
        form["reason"], form["on"], form["confirm"] = "Atelier annulé.", "2026-06-15", True
        page_message = _flat(field_error(form.submit(status=400), "amount", url=url))

        client = APIClient()
        client.force_authenticate(agent)
        api = client.post(f"/api/v1/conventions/{convention.pk}/repayments/",
                          {"ground": "unused", "amount": "15 000,01", "reason": "Atelier annulé.",
                           "on": "2026-06-15"}, format="json")
        assert api.status_code == 400
        assert _flat(api.json()["amount"][0]) == page_message
        assert "au plus 15 000,00 €" in page_message
        # No reason, no ground: the service's messages, the page's.
        blank = client.post(f"/api/v1/conventions/{convention.pk}/repayments/",
                            {"amount": "100", "reason": " ", "on": "2026-06-15"}, format="json")
        assert blank.status_code == 400
        assert "Décrivez les faits" in blank.json()["reason"][0]
        assert "Choisissez le fondement" in blank.json()["ground"][0]
        assert not Recovery.objects.exists()

        done = client.post(f"/api/v1/conventions/{convention.pk}/repayments/",
                           {"ground": "breach", "amount": "2000", "reason": "Atelier annulé.",
                            "on": "2026-06-15"}, format="json")
        assert done.status_code == 201 and done.json()["status"] == "notice"
        recovery = Recovery.objects.get()
        assert (recovery.ground, recovery.amount) == ("breach", 2000)
