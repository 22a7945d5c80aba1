import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from backoffice.core.models import OrganisationDocument
from backoffice.core.services import document_upload
from tests.factories import OrganisationFactory, member_of

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


@pytest.fixture
def org_and_member(db):
    organisation = OrganisationFactory()
    return organisation, member_of(organisation)


def test_pdf_accepted(org_and_member):
    organisation, user = org_and_member
    doc = document_upload(organisation=organisation, user=user, kind="statutes",
                          file=SimpleUploadedFile("statuts.pdf", PDF))
    assert doc.content_type == "application/pdf" and len(doc.sha256) == 64


def test_png_accepted(org_and_member):
    organisation, user = org_and_member
    doc = document_upload(organisation=organisation, user=user, kind="rib",
                          file=SimpleUploadedFile("rib.png", PNG))
    assert doc.content_type == "image/png"


@pytest.mark.parametrize("name, content", [
    ("statuts.pdf", b"MZ\x90\x00 this is a windows executable renamed"),
    ("statuts.pdf", b"plain text pretending to be a pdf"),
    ("rib.docx", b"PK\x03\x04" + b"\x00" * 40),
])
def test_wrong_type_rejected_by_content(org_and_member, name, content):
    organisation, user = org_and_member
    with pytest.raises(ValidationError) as exc:
        document_upload(organisation=organisation, user=user, kind="statutes",
                        file=SimpleUploadedFile(name, content))
    assert "Type de fichier refusé" in str(exc.value)
    assert not OrganisationDocument.objects.exists()


def test_too_large_rejected(org_and_member, settings):
    settings.UPLOAD_MAX_BYTES = 1024
    organisation, user = org_and_member
    with pytest.raises(ValidationError, match="la limite est de"):
        document_upload(organisation=organisation, user=user, kind="statutes",
                        file=SimpleUploadedFile("big.pdf", PDF + b"0" * 2048))
    assert not OrganisationDocument.objects.exists()


def test_upload_page_shows_french_error(client, org_and_member):
    organisation, user = org_and_member
    client.force_login(user)
    response = client.post(f"/organisations/{organisation.pk}/documents/", {
        "kind": "statutes", "file": SimpleUploadedFile("x.pdf", b"not a pdf at all"),
    })
    assert response.status_code == 400
    assert "Type de fichier refusé" in response.content.decode()
    assert not OrganisationDocument.objects.exists()
