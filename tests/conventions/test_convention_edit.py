"""Editing a draft convention without the admin: the service keeps creation's rules, the page
is for finance agents only and only while the convention is a draft."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from backoffice.core.audit import audit_events_for
from backoffice.core.roles import Role
from conventions import services
from conventions.models import Convention, ConventionYear, InKindKind
from tests.factories import staff_user

from .factories import CLAUSES, make_convention

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _today(time_machine):
    time_machine.move_to(dt.datetime(2026, 3, 1, 10, tzinfo=dt.UTC), tick=False)

TERMS = dict(object="Ateliers de réparation de vélos", nature="fonctionnement",
             imputation="6574", keep_rule_rate=Decimal("0.1"),
             keep_rule_text=CLAUSES["keep_rule_text"], advance_rate=Decimal("0.5"),
             advance_delay_days=30, payment_delay_days=60, balance_requires_report=True,
             conditions_of_use=CLAUSES["conditions_of_use"],
             evaluation_terms=CLAUSES["evaluation_terms"], cofinancing=[],
             volunteering_planned=Decimal("0"), decision_reference="DEL-2026-010",
             decision_date=dt.date(2026, 2, 10), aid_form="aide en numéraire",
             eu_notified=False)


def _update(convention, agent, **changes):
    data = {**TERMS, "start_date": convention.start_date, "end_date": convention.end_date,
            "yearly_amounts": [y.planned_amount for y in convention.years.order_by("year")],
            **changes}
    return services.convention_update(convention=convention, actor=agent, **data)


def _snapshot(convention):
    convention = Convention.objects.get(pk=convention.pk)
    return ({f.attname: getattr(convention, f.attname) for f in Convention._meta.concrete_fields},
            list(ConventionYear.objects.filter(convention=convention)
                 .values_list("year", "planned_amount").order_by("year")))


def test_update_changes_every_clause_and_rebuilds_the_years():
    agent = staff_user()
    convention = make_convention(agent=agent)
    updated = _update(convention, agent, end_date=dt.date(2027, 12, 31),
                      yearly_amounts=[Decimal("25000"), Decimal("26000.50")],
                      cofinancing=[{"funder": "Région Bretagne", "amount": "5000",
                                    "status": "obtained"}],
                      eu_notified=True, payment_delay_days=45)
    updated.refresh_from_db()
    assert updated.object == "Ateliers de réparation de vélos"
    assert updated.decision_reference == "DEL-2026-010"
    assert updated.payment_delay_days == 45 and updated.eu_notified
    assert updated.cofinancing == [{"funder": "Région Bretagne", "amount": "5000.00",
                                    "status": "obtained"}]
    years = list(updated.years.order_by("year"))
    assert [(y.year, y.planned_amount) for y in years] == [
        (2026, Decimal("25000.00")), (2027, Decimal("26000.50"))]
    for year in years:
        assert sum(line.amount for line in year.lines.all()) == year.planned_amount
    assert "convention_updated" in [e.event for e in audit_events_for(updated)]


def test_a_schedule_edited_by_hand_is_kept_when_its_amount_does_not_change():
    agent = staff_user()
    convention = make_convention(agent=agent)
    year = convention.years.get(year=2027)
    from conventions.rules import ScheduleItem

    services.schedule_update(year=year, actor=agent, items=[
        ScheduleItem("advance", Decimal("10000"), dt.date(2027, 3, 31)),
        ScheduleItem("balance", Decimal("20000"), dt.date(2027, 11, 30))])
    _update(convention, agent, object="Nouvel objet")
    assert [line.amount for line in year.lines.order_by("position")] == [
        Decimal("10000.00"), Decimal("20000.00")]


@pytest.mark.parametrize(("changes", "field", "text"), [
    ({"end_date": dt.date(2025, 12, 31)}, "end_date", "doit suivre"),
    ({"end_date": dt.date(2032, 12, 31)}, "end_date", "au plus"),
    ({"yearly_amounts": [Decimal("1000")]}, "yearly_amounts", "chacune des 3 années"),
    ({"yearly_amounts": [Decimal("0")] * 3}, "yearly_amounts", "au moins un"),
    ({"yearly_amounts": [Decimal("-5"), Decimal("10"), Decimal("10")]}, "yearly_amounts",
     "positifs"),
    ({"decision_date": dt.date(2026, 4, 2)}, "decision_date", "dans le futur"),
    ({"payment_delay_days": 90}, "payment_delay_days", "2021-875"),
    ({"cofinancing": [{"funder": "", "amount": "10", "status": "obtained"}]}, "cofinancing",
     "financeur"),
])
def test_update_refuses_what_creation_refuses_and_saves_nothing(changes, field, text):
    agent = staff_user()
    convention = make_convention(agent=agent)
    before = _snapshot(convention)
    with pytest.raises(ValidationError) as caught:
        _update(convention, agent, object="Changé", **changes)
    assert text in " ".join(caught.value.message_dict[field])
    assert _snapshot(convention) == before


def test_a_convention_from_an_award_never_promises_more_than_the_award():
    from tests.funds.factories import ApplicationFactory

    agent = staff_user()
    application = ApplicationFactory(eligible=True)
    from funds import services as funds_services

    funds_services.application_award(
        application=application, actor=staff_user(Role.DECISION_MAKER),
        amount=Decimal("3000"), nature=application.nature,
        deliberation_reference="DEL-2026-001", deliberation_date=dt.date(2026, 3, 1))
    application.refresh_from_db()
    convention = services.convention_create_from_award(award=application.award, actor=agent)
    before = _snapshot(convention)
    amounts = [y.planned_amount for y in convention.years.order_by("year")]
    amounts[-1] += Decimal("0.01")
    with pytest.raises(ValidationError) as caught:
        _update(convention, agent, yearly_amounts=amounts,
                start_date=convention.start_date, end_date=convention.end_date)
    assert "dépasse la subvention attribuée" in caught.value.message_dict["yearly_amounts"][0]
    assert _snapshot(convention) == before


def test_an_aid_in_kind_keeps_the_years_it_is_valued_in():
    agent = staff_user()
    convention = make_convention(agent=agent)
    services.in_kind_aid_add(convention=convention, kind=InKindKind.PREMISES,
                             description="Salle municipale", year=2028, value=Decimal("1200"),
                             valuation_method="Loyer de marché", actor=agent)
    with pytest.raises(ValidationError) as caught:
        _update(convention, agent, end_date=dt.date(2027, 12, 31),
                yearly_amounts=[Decimal("1000"), Decimal("1000")])
    assert "2028" in caught.value.message_dict["end_date"][0]
    assert convention.years.count() == 3


def test_a_stale_form_saves_nothing():
    agent = staff_user()
    convention = make_convention(agent=agent)
    version = services.convention_version(convention)
    _update(convention, agent, object="Changé par une collègue", version=version)
    with pytest.raises(ValidationError) as caught:
        _update(convention, agent, object="Mon objet", version=version)
    assert "modifiées depuis que vous avez ouvert" in caught.value.message_dict["version"][0]
    convention.refresh_from_db()
    assert convention.object == "Changé par une collègue"


def test_only_finance_agents_edit_and_only_a_draft():
    agent = staff_user()
    convention = make_convention(agent=agent)
    for role in (Role.INSTRUCTOR, Role.DECISION_MAKER):
        with pytest.raises(PermissionDenied):
            _update(convention, staff_user(role))
    signed = make_convention(agent=agent, signed=True)
    before = _snapshot(signed)
    with pytest.raises(PermissionDenied) as caught:
        _update(signed, agent, object="Trop tard")
    assert "n'est plus un brouillon" in str(caught.value)
    assert _snapshot(signed) == before


def test_pages_refuse_other_roles_and_signed_conventions(client):
    agent = staff_user()
    draft = make_convention(agent=agent)
    signed = make_convention(agent=agent, signed=True)
    url = reverse("conventions:convention-edit", args=[draft.pk])
    client.force_login(staff_user(Role.INSTRUCTOR))
    assert client.get(url).status_code == 403
    assert client.post(url, {"object": "x"}).status_code == 403
    client.force_login(agent)
    assert client.get(url).status_code == 200
    detail = client.get(reverse("conventions:convention-detail", args=[draft.pk]))
    assert url in detail.content.decode()
    signed_url = reverse("conventions:convention-edit", args=[signed.pk])
    refused = client.post(signed_url, {"object": "Trop tard"})
    assert refused.status_code == 403
    assert "n&#x27;est plus un brouillon" in refused.content.decode()
    assert Convention.objects.get(pk=signed.pk).object != "Trop tard"
    detail = client.get(reverse("conventions:convention-detail", args=[signed.pk]))
    assert signed_url not in detail.content.decode()


def test_missing_clauses_follow_what_is_typed(client):
    agent = staff_user()
    convention = make_convention(agent=agent)
    client.force_login(agent)
    url = reverse("conventions:convention-clauses", args=[convention.pk])
    response = client.post(url, {"object": "Objet", "conditions_of_use": "",
                                 "decision_reference": "DEL-1", "decision_date": ""})
    text = response.content.decode()
    assert "les conditions d&#x27;utilisation" in text
    assert "la référence et la date de la délibération" in text
    response = client.post(url, {"object": "Objet", "conditions_of_use": "Oui",
                                 "decision_reference": "DEL-1", "decision_date": "2026-02-01"})
    assert "Aucune clause obligatoire ne manque" in response.content.decode()
    convention.refresh_from_db()
    assert convention.decision_reference == CLAUSES["decision_reference"]
