"""The signature pages as both parties use them: the agent opens the signature from the
convention page, the representative gets a code and signs the PDF shown, the elected member
countersigns, both download the signed PDF; an agent verifies an uploaded PDF."""

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from conventions.models import ConventionStatus
from esign import services
from esign.models import RequestStatus, SignatureRequest

from .conftest import code_from

pytestmark = pytest.mark.django_db


def _hidden(html: str, name: str) -> str:
    return re.search(rf'name="{name}" value="([^"]*)"', html).group(1)


def test_the_whole_signature_through_the_pages(
        client, demo_pki, sent_document, agent, representative, elected, mailoutbox,
        django_capture_on_commit_callbacks):
    convention = sent_document.convention
    client.force_login(agent)
    detail = client.get(reverse("conventions:convention-detail", args=[convention.pk]))
    assert "Faire signer électroniquement" in detail.content.decode()
    opened = client.post(reverse("esign:request-create", args=[sent_document.pk]))
    signature = SignatureRequest.objects.get()
    assert opened.status_code == 302 and opened["Location"] == reverse("esign:request",
                                                                       args=[signature.pk])
    # the representative reads, receives a code, signs
    client.force_login(representative)
    page = client.get(reverse("esign:request", args=[signature.pk])).content.decode()
    assert "Recevoir mon code par courriel" in page and signature.source_sha256 in page
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("esign:request", args=[signature.pk]), {"action": "send_code"})
    page = client.get(reverse("esign:request", args=[signature.pk])).content.decode()
    # a wrong code: French error next to the field, nothing signed
    refused = client.post(reverse("esign:request", args=[signature.pk]), {
        "action": "sign_association", "shown_sha256": _hidden(page, "shown_sha256"),
        "code": "999999" if code_from(mailoutbox) != "999999" else "888888", "confirm": "on"})
    assert refused.status_code == 400 and "Code incorrect" in refused.content.decode()
    signed = client.post(reverse("esign:request", args=[signature.pk]), {
        "action": "sign_association", "shown_sha256": _hidden(page, "shown_sha256"),
        "code": code_from(mailoutbox), "confirm": "on"}, follow=True)
    assert "signé pour l&#x27;organisation" in signed.content.decode()
    signature.refresh_from_db()
    assert signature.status == RequestStatus.AUTHORITY
    # the elected member countersigns
    client.force_login(elected)
    page = client.get(reverse("esign:request", args=[signature.pk])).content.decode()
    assert "Signer pour la collectivité" in page
    with django_capture_on_commit_callbacks(execute=True):
        done = client.post(reverse("esign:request", args=[signature.pk]), {
            "action": "sign_authority", "shown_sha256": _hidden(page, "shown_sha256"),
            "confirm": "on"}, follow=True)
    assert "signée par les deux parties" in done.content.decode()
    convention.refresh_from_db()
    assert convention.status == ConventionStatus.SIGNED
    # both parties download the same signed PDF
    for user in (representative, agent):
        client.force_login(user)
        pdf = client.get(reverse("esign:pdf", args=[signature.pk]))
        assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
        verdict = services.pdf_verify(data=pdf.content)
        assert verdict.ok and [c.field for c in verdict.signatures] == [
            "Signature_organisation", "Signature_collectivite"]
    # an agent verifies it
    verified = client.post(reverse("esign:verify"), {
        "file": SimpleUploadedFile("c.pdf", pdf.content, "application/pdf")})
    assert verified.status_code == 200 and "Signatures valides" in verified.content.decode()


def test_the_confirmation_box_is_required(client, demo_pki, sent_document, agent,
                                          representative):
    client.force_login(agent)
    client.post(reverse("esign:request-create", args=[sent_document.pk]))
    signature = SignatureRequest.objects.get()
    client.force_login(representative)
    page = client.get(reverse("esign:request", args=[signature.pk])).content.decode()
    response = client.post(reverse("esign:request", args=[signature.pk]), {
        "action": "sign_association", "shown_sha256": _hidden(page, "shown_sha256"),
        "code": "123456"})
    assert response.status_code == 400 and "Ce champ est obligatoire" in response.content.decode()
    assert 'value="123456"' in response.content.decode()


def test_a_stranger_cannot_see_the_signature(client, demo_pki, sent_document, agent):
    from tests.factories import OrganisationFactory, member_of

    client.force_login(agent)
    client.post(reverse("esign:request-create", args=[sent_document.pk]))
    signature = SignatureRequest.objects.get()
    client.force_login(member_of(OrganisationFactory()))
    assert client.get(reverse("esign:request", args=[signature.pk])).status_code == 404
    assert client.get(reverse("esign:pdf", args=[signature.pk])).status_code == 404
    assert client.get(reverse("esign:verify")).status_code == 403


def test_a_corrupt_upload_to_verify_is_refused_in_french(client, demo_pki, agent):
    client.force_login(agent)
    response = client.post(reverse("esign:verify"), {
        "file": SimpleUploadedFile("x.pdf", b"%PDF-1.7 broken", "application/pdf")})
    assert response.status_code == 400 and "PDF illisible" in response.content.decode()
