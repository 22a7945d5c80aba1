"""The funds app with real conventions and volunteer hours behind its hooks: an overdue
financial report warns or blocks a new application, and the self-financing panel shows the
volunteering validated so far on the project."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from conventions.models import ReportStatus
from funds import selectors, services
from funds.models import ApplicationStatus
from tests.conventions.factories import make_convention
from tests.factories import member_of, staff_user
from tests.volunteering.factories import VolunteerFactory
from volunteering import services as volunteering

from .factories import ApplicationFactory


@pytest.fixture
def overdue(draft):
    """A 2024 tranche whose report was due on 30 June 2025 and never came."""
    convention = make_convention(organisation=draft.organisation, start=dt.date(2024, 1, 1),
                                 end=dt.date(2024, 12, 31), amounts=(Decimal("20000"),),
                                 confirmed=True, signed_on=dt.date(2024, 1, 10),
                                 confirmed_on=dt.date(2024, 1, 20))
    report = convention.years.get().report
    assert report.status == ReportStatus.EXPECTED and report.due_date == dt.date(2025, 6, 30)
    return report


@pytest.mark.django_db
def test_overdue_report_warns_by_default(client, draft, overdue, settings):
    settings.FUNDS_OVERDUE_REPORT_BLOCKS = False
    assert selectors.overdue_reports(organisation=draft.organisation) == [overdue]
    client.force_login(draft.applicant)
    page = client.get(reverse("funds:application-edit", args=[draft.pk])).content.decode()
    assert "compte rendu financier d'une convention précédente est en retard" in page
    assert "au plus vite" in page
    services.application_submit(application=draft, user=draft.applicant)
    draft.refresh_from_db()
    assert draft.status == ApplicationStatus.SUBMITTED


@pytest.mark.django_db
def test_overdue_report_blocks_when_configured(client, draft, overdue, settings):
    settings.FUNDS_OVERDUE_REPORT_BLOCKS = True
    client.force_login(draft.applicant)
    page = client.get(reverse("funds:application-edit", args=[draft.pk])).content.decode()
    assert "avant toute nouvelle demande" in page
    with pytest.raises(ValidationError, match="compte rendu financier"):
        services.application_submit(application=draft, user=draft.applicant)
    draft.refresh_from_db()
    assert draft.status == ApplicationStatus.DRAFT


@pytest.mark.django_db
def test_report_not_yet_due_or_submitted_does_not_count(draft, overdue, settings, time_machine):
    settings.FUNDS_OVERDUE_REPORT_BLOCKS = True
    time_machine.move_to(dt.datetime(2025, 6, 30, 12, 0))
    assert selectors.overdue_reports(organisation=draft.organisation) == []
    time_machine.move_to(dt.datetime(2025, 7, 1, 12, 0))
    assert selectors.overdue_reports(organisation=draft.organisation) == [overdue]


@pytest.mark.django_db
def test_self_financing_panel_shows_validated_volunteering(client, time_machine):
    time_machine.move_to(dt.datetime(2026, 3, 10, 12, 0))
    application = ApplicationFactory(status=ApplicationStatus.SUBMITTED, version=1,
                                     start_date=dt.date(2026, 1, 1),
                                     end_date=dt.date(2026, 12, 31))
    organisation = application.organisation
    admin = member_of(organisation)
    volunteer = VolunteerFactory(organisation=organisation)
    client.force_login(staff_user())
    url = reverse("funds:review", args=[application.pk])
    page = client.get(url).content.decode()
    assert "Prévu au budget (comptes 864/870)" in page
    assert "Validé à ce jour sur ce projet" not in page
    entry = volunteering.entry_log(organisation=organisation, volunteer=volunteer,
                                   date=dt.date(2026, 3, 2), hours="6", activity="animation",
                                   project_reference=application.reference, actor=admin)
    # Drafts do not count yet.
    assert "Validé à ce jour sur ce projet" not in client.get(url).content.decode()
    volunteering.entries_validate(organisation=organisation, entry_ids=[entry.pk], actor=admin)
    page = client.get(url).content.decode()
    assert "Validé à ce jour sur ce projet" in page and "6,00\u00a0h" in page
    totals = selectors.realised_volunteering(application)
    assert totals.hours == Decimal("6.00") and totals.value == entry.value
