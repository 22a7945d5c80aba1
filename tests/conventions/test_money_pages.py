"""The money actions of the convention page, filled as rendered (webtest), and their API:
cancelling a wrong payment order, an amendment with its deliberation sent then signed."""

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse

from conventions import services
from conventions.models import LineKind, PaymentStatus

from .factories import make_convention

pytestmark = pytest.mark.django_db


@pytest.fixture
def convention(authority, organisation, agent):
    return make_convention(authority=authority, organisation=organisation, agent=agent,
                           confirmed=True)


def _form(page, action):
    return next(form for form in page.forms.values()
                if form.action.endswith(f"/action/{action}/"))


def _detail(django_app, convention, agent):
    return django_app.get(reverse("conventions:convention-detail", args=[convention.pk]),
                          user=agent)


def test_cancel_a_payment_order_from_the_page(django_app, convention, agent):
    line = convention.years.get(year=2026).lines.get(kind=LineKind.ADVANCE)
    payment = services.payment_order(line=line, ordered_on=dt.date(2026, 2, 1),
                                     mandate_reference="M-FAUX", actor=agent)
    # Error path: no reason → 400, the order stays.
    form = _form(_detail(django_app, convention, agent), "cancel-payment")
    response = form.submit(status=400)
    assert "corrigez le formulaire" in response.text
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.ORDERED
    form = _form(_detail(django_app, convention, agent), "cancel-payment")
    form["reason"] = "Mandat émis sur le mauvais compte"
    page = form.submit().follow()
    assert "Mandat annulé" in page.text
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.CANCELLED
    # The line can be ordered again from the page.
    assert any(f.action.endswith("/action/order/") for f in page.forms.values())


def test_amendment_with_its_deliberation_from_the_page(django_app, convention, agent,
                                                       django_capture_on_commit_callbacks):
    form = _form(_detail(django_app, convention, agent), "amend")
    form["reason"] = "Nouvelle antenne"
    form["new_amounts"] = "2027 = 36 000"
    form["decision_reference"] = "DEL-2026-050"
    response = form.submit(status=400)
    assert "Ce champ est obligatoire" in response.text
    assert response.forms and "Nouvelle antenne" in response.text   # what was typed is kept
    form = _form(response, "amend")
    form["decision_date"] = "2026-03-02"
    form.submit().follow()
    amendment = convention.amendments.get()
    assert amendment.decision_reference == "DEL-2026-050"
    with django_capture_on_commit_callbacks(execute=True):
        _form(_detail(django_app, convention, agent), "send-amendment").submit().follow()
    assert convention.documents.get(kind="amendment").status == "ready"
    form = _form(_detail(django_app, convention, agent), "sign-amendment")
    form["signed_on"] = "2099-01-01"
    response = form.submit(status=400)
    assert "est dans le futur" in response.text
    form = _form(_detail(django_app, convention, agent), "sign-amendment")
    form["signed_on"] = "2026-03-10"
    form.submit().follow()
    assert convention.years.get(year=2027).planned_amount == Decimal("36000.00")


def test_api_cancel_payment_and_amendment_deliberation(client, convention, agent):
    client.force_login(agent)
    line = convention.years.get(year=2026).lines.get(kind=LineKind.ADVANCE)
    payment = services.payment_order(line=line, ordered_on=dt.date(2026, 2, 1),
                                     mandate_reference="M", actor=agent)
    url = f"/api/v1/conventions/{convention.pk}/payments/{payment.pk}/cancel/"
    r = client.post(url, {}, content_type="application/json")
    assert r.status_code == 400 and "reason" in r.json()
    r = client.post(url, {"reason": "Doublon"}, content_type="application/json")
    assert r.status_code == 200 and r.json()["status"] == "cancelled"
    paid = services.payment_record(line=line, paid_on=dt.date(2026, 2, 3),
                                   mandate_reference="M2", actor=agent)
    r = client.post(f"/api/v1/conventions/{convention.pk}/payments/{paid.pk}/cancel/",
                    {"reason": "Erreur"}, content_type="application/json")
    assert r.status_code == 400 and "reversement" in str(r.json())
    r = client.post(f"/api/v1/conventions/{convention.pk}/amendments/",
                    {"reason": "Hausse", "new_amounts": {"2027": "36000"}},
                    content_type="application/json")
    assert r.status_code == 400
    assert "CGCT L2311-7" in str(r.json()["decision_reference"])
    r = client.post(f"/api/v1/conventions/{convention.pk}/amendments/",
                    {"reason": "Hausse", "new_amounts": {"2027": "36000"},
                     "decision_reference": "DEL-1", "decision_date": "2026-03-02"},
                    content_type="application/json")
    assert r.status_code == 201
    pk = r.json()["id"]
    r = client.post(f"/api/v1/conventions/{convention.pk}/amendments/{pk}/sign/",
                    {"signed_on": "2026-03-10"}, content_type="application/json")
    assert r.status_code == 400 and "Envoyez d'abord" in str(r.json())
    r = client.post(f"/api/v1/conventions/{convention.pk}/amendments/{pk}/send/")
    assert r.status_code == 200 and r.json()["status"] == "sent"
    r = client.post(f"/api/v1/conventions/{convention.pk}/amendments/{pk}/sign/",
                    {"signed_on": "2026-03-10"}, content_type="application/json")
    assert r.status_code == 200 and r.json()["status"] == "signed"
