"""The financial report's valued volunteering comes from the hours logged on the convention;
approval locks them, a request for changes unlocks them; the attestation is attached."""

import datetime as dt
from decimal import Decimal

import pytest
import time_machine
from django.urls import reverse

from conventions import services
from tests.conventions.factories import BALANCED_REPORT, make_convention
from tests.factories import MembershipFactory, UserFactory
from tests.volunteering.factories import VolunteerFactory
from volunteering import services as volunteering
from volunteering.models import AttestationStatus, EntryStatus, VolunteerAttestation
from volunteering.selectors import volunteer_totals


@pytest.fixture(autouse=True)
def today():
    with time_machine.travel(dt.datetime(2026, 3, 10, 12, 0), tick=False):
        yield dt.date(2026, 3, 10)


@pytest.fixture
def convention(authority, organisation, agent):
    return make_convention(authority=authority, organisation=organisation, agent=agent,
                           start=dt.date(2025, 1, 1), end=dt.date(2026, 12, 31),
                           amounts=(Decimal("30000"), Decimal("30000")), confirmed=True,
                           signed_on=dt.date(2025, 1, 10), confirmed_on=dt.date(2025, 1, 20))


@pytest.fixture
def entries(organisation, member, convention):
    """8 h on the convention and 5 h of general activity in 2025, all validated."""
    anne, yann = (VolunteerFactory(organisation=organisation, name=n) for n in ("Anne", "Yann"))
    logged = [
        volunteering.entry_log(organisation=organisation, volunteer=anne,
                               date=dt.date(2025, 5, 3), hours="5", activity="animation",
                               project_reference=convention.reference, actor=member),
        volunteering.entry_log(organisation=organisation, volunteer=yann,
                               date=dt.date(2025, 9, 20), hours="3", activity="travaux",
                               project_reference=convention.reference, actor=member),
        volunteering.entry_log(organisation=organisation, volunteer=yann,
                               date=dt.date(2025, 9, 21), hours="5", activity="administration",
                               actor=member),
    ]
    volunteering.entries_validate(organisation=organisation, entry_ids=None, actor=member)
    return logged


def statuses(entries):
    for entry in entries:
        entry.refresh_from_db()
    return [entry.status for entry in entries]


@pytest.mark.django_db
def test_report_form_suggests_the_convention_hours_only(client, member, convention, entries):
    report = convention.years.get(year=2025).report
    client.force_login(member)
    response = client.get(reverse("conventions:report", args=[report.pk]))
    value = volunteer_totals(organisation=convention.organisation, year=2025,
                             convention=convention).value
    assert value == sum((e.value for e in entries[:2]), Decimal("0"))
    form = response.context["form"]
    assert form.initial["amount_864"] == value and form.initial["amount_870"] == value
    assert "8,00\u00a0h" in response.content.decode()  # a no-break space before the unit
    detail = client.get(reverse("conventions:convention-detail", args=[convention.pk]))
    assert "2025 : 8,00\u00a0h" in detail.content.decode()


@pytest.mark.django_db
def test_approval_locks_the_convention_hours_and_changes_unlock_them(
        member, agent, convention, entries):
    report = convention.years.get(year=2025).report
    services.report_submit(report=report, budget_lines=BALANCED_REPORT, subsidy_used="30000",
                           qualitative_report="Bilan", actor=member)
    services.report_review(report=report, approve=True, actor=agent)
    assert statuses(entries) == [EntryStatus.LOCKED, EntryStatus.LOCKED, EntryStatus.VALIDATED]
    # Locked hours cannot go back to draft to be changed.
    assert volunteering.entries_unvalidate(organisation=convention.organisation,
                                           entry_ids=[e.pk for e in entries],
                                           actor=member) == 1
    assert statuses(entries)[:2] == [EntryStatus.LOCKED, EntryStatus.LOCKED]


@pytest.mark.django_db
def test_request_for_changes_unlocks_the_hours(member, agent, convention, entries):
    report = convention.years.get(year=2025).report
    volunteering.entries_lock(organisation=convention.organisation, year=2025,
                              convention=convention, actor=agent, reason="test")
    services.report_submit(report=report, budget_lines=BALANCED_REPORT, subsidy_used="30000",
                           qualitative_report="Bilan", actor=member)
    services.report_review(report=report, approve=False, comment="Détaillez les charges.",
                           actor=agent)
    assert statuses(entries) == [EntryStatus.VALIDATED] * 3


@pytest.mark.django_db
def test_report_page_requests_and_links_the_attestation(client, member, agent, convention,
                                                        entries,
                                                        django_capture_on_commit_callbacks):
    report = convention.years.get(year=2025).report
    url = reverse("conventions:report", args=[report.pk])
    client.force_login(member)
    assert "Demander l'attestation de bénévolat" in client.get(url).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(url, {"attestation": "1"}).status_code == 302
    attestation = VolunteerAttestation.objects.get()
    assert (attestation.year, attestation.project_reference) == (2025, convention.reference)
    assert attestation.status == AttestationStatus.READY
    assert attestation.hours == Decimal("8.00")
    page = client.get(url).content.decode()
    assert reverse("volunteering:attestation-download", args=[attestation.pk]) in page
    # The agent reads the report and the attestation, but does not sign for the association.
    client.force_login(agent)
    assert reverse("volunteering:attestation-download", args=[attestation.pk]) in \
        client.get(url).content.decode()
    assert client.post(url, {"attestation": "1"}).status_code == 403


@pytest.mark.django_db
def test_plain_member_cannot_request_the_attestation(client, organisation, convention, entries):
    report = convention.years.get(year=2025).report
    plain = UserFactory()
    MembershipFactory(user=plain, organisation=organisation, role="member")
    client.force_login(plain)
    url = reverse("conventions:report", args=[report.pk])
    assert "Demander l'attestation" not in client.get(url).content.decode()
    assert client.post(url, {"attestation": "1"}).status_code == 403
    assert not VolunteerAttestation.objects.exists()


@pytest.mark.django_db
def test_agent_sees_a_gap_between_declared_and_logged_volunteering(client, member, agent,
                                                                  convention, entries):
    report = convention.years.get(year=2025).report
    services.report_submit(report=report, budget_lines=BALANCED_REPORT, subsidy_used="30000",
                           qualitative_report="Bilan", actor=member)
    client.force_login(agent)
    page = client.get(reverse("conventions:report", args=[report.pk])).content.decode()
    assert "l'écart doit être justifié" in page
