"""API of conventions: validated filters, payment orders recorded without their payment."""

from __future__ import annotations

import datetime as dt

import pytest

from conventions.models import LineKind, Payment
from tests.conventions.factories import make_convention
from tests.factories import OrganisationFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def june(time_machine):
    time_machine.move_to(dt.datetime(2026, 6, 15, 10), tick=False)


def _ids(response):
    assert response.status_code == 200, response.content
    return {row["id"] for row in response.json()["results"]}


def test_convention_filters(client, agent, authority, organisation, june):
    late = make_convention(authority=authority, organisation=organisation, agent=agent,
                           confirmed=True)
    other_organisation = OrganisationFactory()
    draft = make_convention(authority=authority, organisation=other_organisation, agent=agent,
                            start=dt.date(2027, 1, 1), end=dt.date(2029, 12, 31))
    client.force_login(agent)
    assert _ids(client.get("/api/v1/conventions/")) == {late.pk, draft.pk}
    assert _ids(client.get("/api/v1/conventions/?status=draft")) == {draft.pk}
    assert late.status != "draft"
    assert _ids(client.get(f"/api/v1/conventions/?status={late.status}")) == {late.pk}
    # The 2026 advance was due by 31/03 and is unpaid.
    assert _ids(client.get("/api/v1/conventions/?late=true")) == {late.pk}
    assert _ids(client.get("/api/v1/conventions/?year=2029")) == {draft.pk}
    assert _ids(client.get(f"/api/v1/conventions/?organisation={organisation.pk}")) == {late.pk}
    assert _ids(client.get("/api/v1/conventions/?report_overdue=true")) == set()


@pytest.mark.parametrize("query, field, message", [
    ("status=brouillon", "status", "Statut inconnu : « brouillon »."),
    ("year=deux-mille", "year", "Indiquez une année, par exemple 2026."),
    ("year=1850", "year", "Choisissez une année entre 2000 et 2100."),
    ("organisation=x", "organisation", "Identifiant d'organisation invalide."),
    ("late=peut-etre", "late", "booléen"),
])
def test_convention_filters_refuse_bad_values_in_french(client, agent, query, field, message):
    client.force_login(agent)
    response = client.get(f"/api/v1/conventions/?{query}")
    assert response.status_code == 400
    assert message in response.json()[field][0]


def test_member_filters_stay_in_scope(client, agent, authority, organisation, member, june):
    mine = make_convention(authority=authority, organisation=organisation, agent=agent)
    other = make_convention(authority=authority, organisation=OrganisationFactory(), agent=agent)
    client.force_login(member)
    assert _ids(client.get("/api/v1/conventions/?status=draft")) == {mine.pk}
    assert _ids(client.get(f"/api/v1/conventions/?organisation={other.organisation_id}")) \
        == set()


def _order(client, convention, **data):
    return client.post(f"/api/v1/conventions/{convention.pk}/payment-orders/", data,
                       content_type="application/json")


def test_payment_order_without_payment_then_its_payment(client, agent, authority, organisation,
                                                        june):
    convention = make_convention(authority=authority, organisation=organisation, agent=agent,
                                 confirmed=True)
    advance = convention.years.get(year=2026).lines.get(kind=LineKind.ADVANCE)
    client.force_login(agent)
    response = _order(client, convention, line=advance.pk, ordered_on="2026-02-01",
                      mandate_reference="M-2026-1")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["status"] == "ordered" and body["paid_on"] is None
    assert body["amount"] == str(advance.amount)
    assert body["account"] == convention.imputation

    again = _order(client, convention, line=advance.pk, ordered_on="2026-02-02",
                   mandate_reference="M-2026-2")
    assert again.status_code == 400 and "déjà un mandat" in str(again.json())
    assert Payment.objects.filter(line=advance).count() == 1

    pay = f"/api/v1/conventions/{convention.pk}/payments/{body['id']}/pay/"
    early = client.post(pay, {"paid_on": "2026-01-20"}, content_type="application/json")
    assert early.status_code == 400
    assert "précéder le mandat" in early.json()["paid_on"][0]
    paid = client.post(pay, {"paid_on": "2026-02-10"}, content_type="application/json")
    assert paid.status_code == 200 and paid.json()["status"] == "paid"


@pytest.mark.parametrize("data, field, message", [
    ({"ordered_on": "2026-07-01", "mandate_reference": "M"}, "ordered_on", "futur"),
    ({"ordered_on": "2026-01-10", "mandate_reference": "M"}, "ordered_on", "signature"),
    ({"ordered_on": "2026-02-01", "mandate_reference": "  "}, "mandate_reference", "vide"),
    ({"ordered_on": "01/02/2026", "mandate_reference": "M"}, "ordered_on", "format"),
    ({"mandate_reference": "M"}, "ordered_on", "obligatoire"),
])
def test_payment_order_refusals_are_french_field_errors(client, agent, authority, organisation,
                                                        june, data, field, message):
    convention = make_convention(authority=authority, organisation=organisation, agent=agent,
                                 confirmed=True)
    advance = convention.years.get(year=2026).lines.get(kind=LineKind.ADVANCE)
    client.force_login(agent)
    response = _order(client, convention, line=advance.pk, **data)
    assert response.status_code == 400
    assert message in " ".join(response.json()[field]).lower()
    assert not Payment.objects.exists()


def test_payment_order_refused_on_an_unconfirmed_tranche_or_a_foreign_line(
        client, agent, authority, organisation, june):
    convention = make_convention(authority=authority, organisation=organisation, agent=agent,
                                 confirmed=True)
    later = convention.years.get(year=2027).lines.first()
    client.force_login(agent)
    response = _order(client, convention, line=later.pk, ordered_on="2026-02-01",
                      mandate_reference="M")
    assert response.status_code == 400 and "non confirmée" in str(response.json())
    foreign = make_convention(authority=authority, organisation=organisation, agent=agent,
                              confirmed=True).years.get(year=2026).lines.first()
    response = _order(client, convention, line=foreign.pk, ordered_on="2026-02-01",
                      mandate_reference="M")
    assert response.status_code == 400
    assert response.json()["line"] == ["Échéance introuvable sur cette convention."]
    assert not Payment.objects.exists()


def test_payment_order_is_for_agents(client, agent, authority, organisation, member, june):
    convention = make_convention(authority=authority, organisation=organisation, agent=agent,
                                 confirmed=True)
    advance = convention.years.get(year=2026).lines.get(kind=LineKind.ADVANCE)
    client.force_login(member)
    response = _order(client, convention, line=advance.pk, ordered_on="2026-02-01",
                      mandate_reference="M")
    assert response.status_code == 403
    assert not Payment.objects.exists()


def test_schedule_and_amendments_are_plain_arrays(client, agent, authority, organisation):
    convention = make_convention(authority=authority, organisation=organisation, agent=agent)
    client.force_login(agent)
    schedule = client.get(f"/api/v1/conventions/{convention.pk}/schedule/").json()
    assert isinstance(schedule, list) and [y["year"] for y in schedule] == [2026, 2027, 2028]
    assert client.get(f"/api/v1/conventions/{convention.pk}/amendments/").json() == []
