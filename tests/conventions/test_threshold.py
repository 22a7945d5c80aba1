"""The €23,000 threshold applies to the annual amount of all aid to one organisation, cash
and in kind (loi 2000-321 art. 9-1 and 10, décret 2001-495): one test per case."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from backoffice.core.models import AuditEvent
from conventions import services

from .factories import make_convention

pytestmark = pytest.mark.django_db


def _letter(authority, organisation, agent, amount, **kwargs):
    return make_convention(authority=authority, organisation=organisation, agent=agent,
                           start=kwargs.pop("start", dt.date(2026, 1, 1)),
                           end=kwargs.pop("end", dt.date(2026, 12, 31)),
                           amounts=[Decimal(amount)], **kwargs)


def test_a_12_month_award_over_two_calendar_years_is_not_split_below_the_threshold(
        authority, organisation, agent):
    convention = make_convention(authority=authority, organisation=organisation, agent=agent,
                                 start=dt.date(2026, 7, 1), end=dt.date(2027, 6, 30),
                                 amounts=[Decimal("20164.38"), Decimal("19835.62")],
                                 signed=True, signed_on=dt.date(2026, 6, 20))
    assert services.annual_amount(convention) == Decimal("40000.00")
    assert services.main_document_kind(convention) == "convention"
    assert convention.open_data_deadline == dt.date(2026, 9, 20)


def test_awards_to_one_organisation_in_a_year_are_added_up(authority, organisation, agent):
    first = _letter(authority, organisation, agent, "15000")
    assert services.main_document_kind(first) == "notification"
    second = _letter(authority, organisation, agent, "10000", start=dt.date(2026, 5, 1))
    assert services.organisation_aid_by_year(organisation=organisation,
                                             authority=authority)[2026] == Decimal("25000.00")
    assert services.main_document_kind(second) == "convention"
    assert services.main_document_kind(first) == "convention"


def test_another_year_or_another_organisation_does_not_add_up(authority, organisation, agent):
    _letter(authority, organisation, agent, "15000", start=dt.date(2027, 1, 1),
            end=dt.date(2027, 12, 31))
    other = _letter(authority, None, agent, "15000")
    this = _letter(authority, organisation, agent, "15000")
    assert services.main_document_kind(this) == "notification"
    assert services.main_document_kind(other) == "notification"


def test_in_kind_aid_counts_in_the_threshold(authority, organisation, agent):
    convention = _letter(authority, organisation, agent, "20000")
    assert services.main_document_kind(convention) == "notification"
    aid = services.in_kind_aid_add(
        convention=convention, kind="premises", description="Salle municipale du Manio, 2 soirs "
        "par semaine", year=2026, value="3500", account="870",
        valuation_method="Tarif municipal de location : 35 € la soirée × 100 soirées",
        actor=agent)
    assert aid.account == "870"
    assert services.main_document_kind(convention) == "convention"
    assert AuditEvent.objects.filter(event="in_kind_aid_added").exists()


def test_in_kind_aid_refusals(authority, organisation, agent):
    convention = _letter(authority, organisation, agent, "20000")
    with pytest.raises(ValidationError) as exc:
        services.in_kind_aid_add(convention=convention, kind="gift", description=" ", year=2030,
                                 value="0", valuation_method="", actor=agent)
    assert set(exc.value.message_dict) == {"kind", "description", "year", "value",
                                           "valuation_method"}
    assert "hors de la durée" in exc.value.message_dict["year"][0]
    with pytest.raises(ValidationError) as exc:
        services.in_kind_aid_add(convention=convention, kind="staff", description="Agent",
                                 year=2026, value="abc", valuation_method="Coût", actor=agent)
    assert exc.value.message_dict["value"] == ["Valeur illisible."]
    signed = _letter(authority, organisation, agent, "1000", signed=True)
    with pytest.raises(ValidationError) as exc:
        services.in_kind_aid_add(convention=signed, kind="staff", description="Agent",
                                 year=2026, value="100", valuation_method="Coût", actor=agent)
    assert "par un avenant" in exc.value.messages[0]


def test_an_amendment_crossing_the_threshold_turns_the_letter_into_a_convention(
        authority, organisation, agent):
    letter = _letter(authority, organisation, agent, "20000", signed=True)
    assert services.main_document_kind(letter) == "notification"
    assert letter.open_data_deadline is None
    amendment = services.amendment_create(
        convention=letter, reason="Extension", new_amounts={2026: "30000"}, actor=agent,
        decision_reference="DEL-2026-077", decision_date=dt.date(2026, 4, 2))
    services.amendment_transition(amendment=amendment, to="sent", actor=agent,
                                  on=dt.date(2026, 4, 3))
    services.amendment_transition(amendment=amendment, to="signed", actor=agent,
                                  on=dt.date(2026, 4, 10))
    letter.refresh_from_db()
    assert services.main_document_kind(letter) == "convention"
    assert letter.documents.filter(kind="convention", signed=False).exists()
    assert letter.open_data_deadline == dt.date(2026, 7, 10)
    assert AuditEvent.objects.filter(event="convention_threshold_crossed").exists()


def test_an_investment_convention_is_charged_to_20421(authority, organisation, agent):
    from backoffice.core.choices import Nature

    convention = services.convention_create(
        authority=authority, organisation=organisation, object="Four à pain", actor=agent,
        nature=Nature.INVESTMENT, start_date=dt.date(2026, 1, 1), end_date=dt.date(2026, 12, 31),
        yearly_amounts=[Decimal("5000")])
    assert convention.imputation == "20421"
