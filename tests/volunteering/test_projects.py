"""Hours linked to the organisation's own applications (DOS-<n>) and conventions (CONV-…):
the default project resolver, the links, totals per project, imports and the bad paths."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from funds.models import ApplicationStatus
from tests.conventions.factories import make_convention
from tests.funds.factories import ApplicationFactory
from volunteering import importing, projects, selectors, services
from volunteering.models import VolunteerEntry


@pytest.fixture
def convention(organisation):
    return make_convention(organisation=organisation, start=dt.date(2025, 1, 1),
                           end=dt.date(2026, 12, 31), amounts=(Decimal("30000"), Decimal("30000")))


@pytest.fixture
def application(organisation):
    return ApplicationFactory(organisation=organisation, status=ApplicationStatus.SUBMITTED,
                              version=1, start_date=dt.date(2026, 2, 1),
                              end_date=dt.date(2026, 9, 30))


def log(organisation, admin, volunteer, day, hours, reference):
    return services.entry_log(organisation=organisation, volunteer=volunteer, date=day,
                              hours=hours, activity="animation", actor=admin,
                              project_reference=reference)


def test_resolver_lists_own_applications_and_conventions_with_their_periods(
        organisation, other_organisation, convention, application):
    ApplicationFactory(organisation=organisation)  # a draft is not a project yet
    make_convention(organisation=other_organisation)
    periods = projects.project_periods(organisation)
    assert periods == {
        f"DOS-{application.pk}": (dt.date(2026, 2, 1), dt.date(2026, 9, 30)),
        convention.reference: (dt.date(2025, 1, 1), dt.date(2026, 12, 31)),
    }
    assert application.reference == f"DOS-{application.pk}"


def test_hours_are_linked_to_the_project_they_name(organisation, admin, volunteers, today,
                                                  convention, application):
    on_convention = log(organisation, admin, volunteers[0], dt.date(2025, 6, 3), "3",
                        convention.reference)
    on_application = log(organisation, admin, volunteers[1], dt.date(2026, 3, 2), "2",
                         f"DOS-{application.pk}")
    general = log(organisation, admin, volunteers[2], dt.date(2026, 3, 2), "4", "")
    assert (on_convention.convention, on_convention.application) == (convention, None)
    assert (on_application.application, on_application.convention) == (application, None)
    assert (general.application, general.convention) == (None, None)
    services.entries_validate(organisation=organisation, entry_ids=None, actor=admin)
    assert selectors.volunteer_totals(organisation=organisation,
                                      convention=convention).hours == Decimal("3.00")
    assert selectors.volunteer_totals(organisation=organisation, convention=convention,
                                      year=2026).hours == Decimal("0.00")
    totals = selectors.volunteer_totals(organisation=organisation, application=application)
    assert totals.hours == Decimal("2.00") and totals.value == on_application.value
    assert selectors.volunteer_totals(organisation=organisation).hours == Decimal("9.00")


def test_unknown_or_foreign_project_is_refused(organisation, admin, volunteers, today,
                                               other_organisation, convention):
    foreign = make_convention(organisation=other_organisation)
    draft = ApplicationFactory(organisation=organisation)
    for reference in ("ATELIER-LIBRE", foreign.reference, f"DOS-{draft.pk}", "DOS-999999"):
        with pytest.raises(ValidationError, match="Projet inconnu"):
            log(organisation, admin, volunteers[0], dt.date(2026, 3, 2), "2", reference)
    assert not VolunteerEntry.objects.exists()


def test_date_outside_the_convention_period_is_refused(organisation, admin, volunteers, today,
                                                      application):
    with pytest.raises(ValidationError, match="avant le début du projet"):
        log(organisation, admin, volunteers[0], dt.date(2026, 1, 15), "2",
            f"DOS-{application.pk}")
    assert not VolunteerEntry.objects.exists()


def test_update_relinks_the_entry(organisation, admin, volunteers, today, convention,
                                  application):
    entry = log(organisation, admin, volunteers[0], dt.date(2026, 3, 2), "2", convention.reference)
    services.entry_update(entry=entry, actor=admin, project_reference=f"DOS-{application.pk}")
    entry.refresh_from_db()
    assert (entry.application, entry.convention) == (application, None)


def test_totals_of_another_organisation_project_are_empty(organisation, admin, volunteers, today,
                                                          other_organisation, convention):
    log(organisation, admin, volunteers[0], dt.date(2026, 3, 2), "2", convention.reference)
    services.entries_validate(organisation=organisation, entry_ids=None, actor=admin)
    assert selectors.volunteer_totals(organisation=other_organisation,
                                      convention=convention).hours == Decimal("0.00")


def test_import_links_rows_and_reports_unknown_projects(organisation, admin, volunteers, today,
                                                         convention):
    good = (f"date;benevole;heures;activite;projet\n"
            f"02/03/2026;Anne B.;2,5;animation;{convention.reference}\n"
            f"03/03/2026;Anne B.;1;animation;\n").encode()
    report = importing.volunteer_hours_import(organisation=organisation, actor=admin,
                                              content=good, dry_run=False)
    assert report.imported == 2
    linked = VolunteerEntry.objects.get(date=dt.date(2026, 3, 2))
    assert linked.convention == convention
    bad = (b"date;benevole;heures;activite;projet\n"
           b"04/03/2026;Anne B.;2;animation;INCONNU\n")
    report = importing.volunteer_hours_import(organisation=organisation, actor=admin,
                                              content=bad, dry_run=False)
    assert report.imported == 0
    assert any("Projet inconnu" in error.message for error in report.errors)
    assert VolunteerEntry.objects.count() == 2


def test_logging_form_offers_the_projects_by_name(client, organisation, admin, today,
                                                  convention):
    client.force_login(admin)
    page = client.get(f"/benevolat/organisations/{organisation.pk}/seance/").content.decode()
    assert f'value="{convention.reference}"' in page
    assert f"Convention {convention.reference}" in page


def test_api_links_by_reference_and_refuses_unknown_projects(organisation, admin, volunteers,
                                                             today, convention):
    from rest_framework.test import APIClient

    api = APIClient()
    api.force_authenticate(admin)
    payload = {"organisation": organisation.pk, "volunteer": volunteers[0].pk,
               "date": "2026-03-01", "hours": "2", "activity": "formation"}
    response = api.post("/api/v1/volunteer-entries/",
                        {**payload, "project_reference": convention.reference}, format="json")
    assert response.status_code == 201, response.json()
    assert response.json()["convention"] == convention.pk
    response = api.post("/api/v1/volunteer-entries/",
                        {**payload, "project_reference": "CONV-1999-0001"}, format="json")
    assert response.status_code == 400
    assert "Projet inconnu" in str(response.json()["project_reference"])
    assert VolunteerEntry.objects.count() == 1
