"""The attestation PDF: generated after commit by a task, figures from validated entries."""

import datetime as dt
import io
import time
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from pypdf import PdfReader

from backoffice.core.models import Notification
from volunteering import services
from volunteering.models import AttestationStatus, VolunteerAttestation

from .factories import EntryFactory


def pdf_text(attestation) -> str:
    with attestation.file.open("rb") as handle:
        reader = PdfReader(io.BytesIO(handle.read()))
    return "\n".join(page.extract_text() for page in reader.pages)


@pytest.mark.django_db
def test_attestation_generated_on_commit_with_the_figures(organisation, admin, volunteers, today,
                                                          django_capture_on_commit_callbacks):
    EntryFactory(volunteer=volunteers[0], date=dt.date(2025, 3, 1), hours=Decimal("3"),
                 activity="animation", validated=True, project_reference="P1")
    EntryFactory(volunteer=volunteers[1], date=dt.date(2025, 11, 1), hours=Decimal("2.5"),
                 activity="travaux", validated=True, project_reference="P1")
    EntryFactory(volunteer=volunteers[2], date=dt.date(2025, 6, 1), project_reference="P1")
    with django_capture_on_commit_callbacks(execute=True):
        attestation = services.attestation_request(organisation=organisation, year=2025,
                                                   project_reference="P1", actor=admin)
        # Nothing runs before the commit.
        assert VolunteerAttestation.objects.get().status == AttestationStatus.PENDING
    attestation.refresh_from_db()
    assert attestation.status == AttestationStatus.READY
    assert (attestation.hours, attestation.value) == (Decimal("5.50"), Decimal("65.34"))
    text = pdf_text(attestation)
    assert "Attestation de valorisation du bénévolat" in text
    assert "65,34" in text and "864" in text and "870" in text and "P1" in text
    assert "Animation" in text and "Travaux" in text
    assert organisation.legal_representative_name in text
    assert Notification.objects.filter(event="volunteer_attestation_ready",
                                       recipient=admin).exists()


@pytest.mark.django_db
def test_attestation_refusals(organisation, admin, member, volunteers, today):
    with pytest.raises(ValidationError, match="Aucune heure validée"):
        services.attestation_request(organisation=organisation, year=2025, actor=admin)
    EntryFactory(volunteer=volunteers[0], date=dt.date(2025, 3, 1), validated=True)
    with pytest.raises(ValidationError, match="future"):
        services.attestation_request(organisation=organisation, year=2027, actor=admin)
    with pytest.raises(PermissionDenied):
        services.attestation_request(organisation=organisation, year=2025, actor=member)


@pytest.mark.django_db
def test_attestation_download_is_scoped(client, organisation, admin, outsider, volunteers, today,
                                        django_capture_on_commit_callbacks):
    EntryFactory(volunteer=volunteers[0], date=dt.date(2025, 3, 1), validated=True)
    with django_capture_on_commit_callbacks(execute=True):
        attestation = services.attestation_request(organisation=organisation, year=2025,
                                                   actor=admin)
    client.force_login(admin)
    response = client.get(f"/benevolat/attestations/{attestation.pk}/")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    client.force_login(outsider)
    assert client.get(f"/benevolat/attestations/{attestation.pk}/").status_code == 404


@pytest.mark.services
def test_real_worker_generates_the_attestation(celery_worker_process, smic_rates):
    from tests.factories import OrganisationFactory, member_of

    from .factories import VolunteerFactory

    organisation = OrganisationFactory()
    admin = member_of(organisation)
    EntryFactory(volunteer=VolunteerFactory(organisation=organisation), date=dt.date(2025, 3, 1),
                 validated=True)
    attestation = services.attestation_request(organisation=organisation, year=2025, actor=admin)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        attestation.refresh_from_db()
        if attestation.status != AttestationStatus.PENDING:
            break
        time.sleep(0.3)
    assert attestation.status == AttestationStatus.READY
    assert attestation.sha256 and attestation.value == Decimal("35.64")


@pytest.mark.django_db
def test_ready_attestation_is_found_for_a_report(organisation, admin, volunteers, today,
                                                 django_capture_on_commit_callbacks):
    from volunteering.selectors import attestation_ready

    EntryFactory(volunteer=volunteers[0], date=dt.date(2025, 3, 1), validated=True)
    assert attestation_ready(organisation=organisation, year=2025) is None
    with django_capture_on_commit_callbacks(execute=True):
        attestation = services.attestation_request(organisation=organisation, year=2025,
                                                   actor=admin)
    assert attestation_ready(organisation=organisation, year=2025) == attestation
    assert attestation_ready(organisation=organisation, year=2025, project_reference="X") is None
