"""An award of the funds app becomes a convention (or a notification letter) in one click."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from backoffice.core.audit import audit_events_for
from backoffice.core.roles import Role
from conventions import services
from conventions.models import Convention
from funds.models import ApplicationStatus, Award
from tests.factories import member_of, staff_user
from tests.funds.factories import ApplicationFactory


def make_award(*, amount=Decimal("4000.00"), organisation=None, **application_fields):
    fields = {"status": ApplicationStatus.AWARDED, "version": 1,
              "submitted_at": timezone.now(), "start_date": dt.date(2026, 4, 1),
              "end_date": dt.date(2026, 11, 30), **application_fields}
    if organisation is not None:
        fields["organisation"] = organisation
    application = ApplicationFactory(**fields)
    return Award.objects.create(
        application=application, fund=application.call.fund, amount=amount,
        nature=application.nature, deliberation_reference="DEL-2026-044",
        deliberation_date=dt.date(2026, 3, 12), awarded_by=staff_user(Role.DECISION_MAKER),
        awarded_at=timezone.now())


@pytest.mark.django_db
def test_award_becomes_a_draft_letter_once():
    agent = staff_user()
    award = make_award()
    convention = services.convention_create_from_award(award=award, actor=agent)
    assert convention.award == award
    assert convention.organisation == award.application.organisation
    assert convention.object == award.application.title
    assert (convention.start_date, convention.end_date) == (dt.date(2026, 4, 1),
                                                            dt.date(2026, 11, 30))
    assert [y.planned_amount for y in convention.years.all()] == [Decimal("4000.00")]
    assert convention.decision_reference == "DEL-2026-044"
    # The application's budget brings the planned valued volunteering (864).
    assert convention.volunteering_planned == Decimal("1000.00")
    # Loi 2000-321 art. 10: €4,000 a year stays under €23,000, a notification letter.
    assert services.main_document_kind(convention) == "notification"
    # Standard clauses are prefilled from the application: only signatories may be missing.
    assert f"DOS-{award.application_id}" in convention.conditions_of_use
    assert convention.evaluation_terms and convention.keep_rule_text
    assert "convention_created_from_award" in [e.event for e in audit_events_for(convention)]
    # A second click returns the same convention and creates nothing.
    again = services.convention_create_from_award(award=award, actor=agent)
    assert again.pk == convention.pk
    assert Convention.objects.count() == 1


@pytest.mark.django_db
def test_award_above_threshold_gives_a_written_convention():
    award = make_award(amount=Decimal("30000.00"))
    convention = services.convention_create_from_award(award=award, actor=staff_user())
    assert services.main_document_kind(convention) == "convention"


@pytest.mark.django_db
def test_only_finance_agents_create_from_an_award():
    award = make_award()
    for user in (staff_user(Role.INSTRUCTOR), member_of(award.application.organisation)):
        with pytest.raises(PermissionDenied):
            services.convention_create_from_award(award=award, actor=user)
    assert not Convention.objects.exists()


@pytest.mark.django_db
def test_award_to_an_individual_gets_a_french_refusal():
    award = make_award()
    application = award.application
    application.organisation = None
    application.save(update_fields=["organisation"])
    award.refresh_from_db()
    with pytest.raises(ValidationError, match="habitant"):
        services.convention_create_from_award(award=award, actor=staff_user())
    assert not Convention.objects.exists()


@pytest.mark.django_db
def test_api_creates_then_returns_the_existing_convention(client):
    award = make_award()
    client.force_login(staff_user())
    first = client.post("/api/v1/conventions/from-award/", {"award": award.pk},
                        content_type="application/json")
    assert first.status_code == 201
    assert first.json()["award"] == award.pk
    second = client.post("/api/v1/conventions/from-award/", {"award": award.pk},
                         content_type="application/json")
    assert second.status_code == 200 and second.json()["id"] == first.json()["id"]
    assert Convention.objects.count() == 1
    missing = client.post("/api/v1/conventions/from-award/", {"award": 999999},
                          content_type="application/json")
    assert missing.status_code == 400 and "award" in missing.json()


@pytest.mark.django_db
def test_api_refuses_who_is_not_a_finance_agent(client):
    award = make_award()
    for user in (staff_user(Role.INSTRUCTOR), member_of(award.application.organisation)):
        client.force_login(user)
        response = client.post("/api/v1/conventions/from-award/", {"award": award.pk},
                               content_type="application/json")
        assert response.status_code == 403
    assert not Convention.objects.exists()


@pytest.mark.django_db
def test_list_offers_awards_without_convention_and_one_click_button(client):
    award = make_award()
    agent = staff_user()
    client.force_login(agent)
    page = client.get("/conventions/").content.decode()
    assert "Attributions sans convention" in page and award.application.title in page
    response = client.post(f"/conventions/attributions/{award.pk}/convention/")
    convention = Convention.objects.get(award=award)
    assert response.status_code == 302
    assert response["Location"] == f"/conventions/{convention.pk}/"
    # A double click lands on the same convention.
    detail = client.get(response["Location"]).content.decode()
    assert f"dossier DOS-{award.application_id}" in detail
    again = client.post(f"/conventions/attributions/{award.pk}/convention/")
    assert again["Location"] == f"/conventions/{convention.pk}/"
    assert Convention.objects.count() == 1
    assert "Attributions sans convention" not in client.get("/conventions/").content.decode()


@pytest.mark.django_db
def test_one_click_page_is_forbidden_to_others(client):
    award = make_award()
    client.force_login(member_of(award.application.organisation))
    assert client.post(f"/conventions/attributions/{award.pk}/convention/").status_code == 403
    client.force_login(staff_user(Role.INSTRUCTOR))
    assert client.post(f"/conventions/attributions/{award.pk}/convention/").status_code == 403
    # Instructors see the awards waiting for a convention, without the button.
    page = client.get("/conventions/").content.decode()
    assert "Attributions sans convention" in page and "Créer la convention" not in page
    assert not Convention.objects.exists()


@pytest.mark.django_db
def test_decision_page_has_the_button_then_the_link(client):
    award = make_award()
    client.force_login(staff_user())
    page = client.get(f"/fonds/gestion/dossiers/{award.application.pk}/").content.decode()
    assert f"/conventions/attributions/{award.pk}/convention/" in page
    convention = services.convention_create_from_award(award=award, actor=staff_user())
    page = client.get(f"/fonds/gestion/dossiers/{award.application.pk}/").content.decode()
    assert convention.reference in page
    assert f"/conventions/attributions/{award.pk}/convention/" not in page


@pytest.mark.django_db
def test_hours_logged_on_the_application_follow_it_to_its_convention():
    from volunteering import selectors as volunteering_selectors
    from volunteering import services as volunteering_services
    from volunteering.models import Volunteer

    award = make_award()
    organisation = award.application.organisation
    member = member_of(organisation)
    volunteer = Volunteer.objects.create(organisation=organisation, name="Anne B.")
    reference = f"DOS-{award.application_id}"
    before = volunteering_services.entry_log(
        organisation=organisation, volunteer=volunteer, date=dt.date(2026, 5, 2),
        hours=Decimal("5"), activity="animation", actor=member, project_reference=reference)
    assert before.application_id == award.application_id and before.convention_id is None

    convention = services.convention_create_from_award(award=award, actor=staff_user())
    before.refresh_from_db()
    assert before.convention == convention
    after = volunteering_services.entry_log(
        organisation=organisation, volunteer=volunteer, date=dt.date(2026, 5, 9),
        hours=Decimal("2"), activity="animation", actor=member, project_reference=reference)
    assert (after.application_id, after.convention_id) == (award.application_id, convention.pk)
    volunteering_services.entries_validate(organisation=organisation,
                                           entry_ids=[before.pk, after.pk], actor=member)
    totals = volunteering_selectors.volunteer_totals(organisation=organisation,
                                                     convention=convention, year=2026)
    assert totals.hours == Decimal("7.00")
