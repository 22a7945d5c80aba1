"""Round trips of the electronic signature forms: opening a signature from the convention
page, the representative's code and signature, the authority's countersignature, and the
verification of an uploaded PDF."""

import datetime as dt
import re

import pytest
from django.urls import reverse

from backoffice.core.roles import Role
from conventions import services as convention_services
from conventions.models import ConventionStatus
from esign import pki
from esign.models import RequestStatus, SignatureRequest
from tests.conventions.factories import make_convention
from tests.factories import AuthorityFactory, OrganisationFactory, member_of, staff_user

from .helpers import field_error, form_with, messages_of


@pytest.fixture
def demo_pki(tmp_path, settings):
    made = pki.make_demo_pki(tmp_path / "pki", authority_name="Ville de Test")
    settings.ESIGN_PLATFORM_PKCS12 = str(made.platform_p12)
    settings.ESIGN_PLATFORM_PASSPHRASE = made.passphrase
    settings.ESIGN_AUTHORITY_PKCS12 = str(made.authority_p12)
    settings.ESIGN_AUTHORITY_PASSPHRASE = made.passphrase
    settings.ESIGN_TRUST_ROOTS = [str(made.ca_pem)]
    settings.ESIGN_TSA_URL = ""
    return made


def test_signature_through_the_rendered_forms(app, demo_pki, mailoutbox,
                                              django_capture_on_commit_callbacks):
    organisation = OrganisationFactory(legal_representative_name="Gaëlle Le Roux")
    representative = member_of(organisation, first_name="Gaëlle", last_name="Le Roux")
    agent = staff_user()
    elected = staff_user(Role.DECISION_MAKER)
    with django_capture_on_commit_callbacks(execute=True):
        convention = make_convention(authority=AuthorityFactory(city="Lorient"),
                                     organisation=organisation, agent=agent)
        convention_services.convention_transition(convention=convention,
                                                  to=ConventionStatus.SENT, actor=agent,
                                                  on=dt.date(2026, 1, 10))
    document = convention.documents.get(kind="convention")
    # The agent opens the signature from the convention page.
    app.set_user(agent)
    detail = app.get(reverse("conventions:convention-detail", args=[convention.pk]))
    opened = form_with(detail, "Faire signer électroniquement").submit().follow()
    signature = SignatureRequest.objects.get(document=document)
    assert opened.request.path == reverse("esign:request", args=[signature.pk])
    # The representative asks for a code, types a wrong one, then the right one.
    app.set_user(representative)
    page = app.get(reverse("esign:request", args=[signature.pk]))
    with django_capture_on_commit_callbacks(execute=True):
        page = form_with(page, "Recevoir mon code par courriel").submit().follow()
    assert "Un code vous a été envoyé" in messages_of(page)
    code = re.search(r"\b(\d{6})\b", mailoutbox[-1].body).group(1)
    form = form_with(page, "Signer le document")
    form["code"] = "999999" if code != "999999" else "888888"
    form["confirm"] = True
    refused = form.submit(status=400)
    assert "Code incorrect" in field_error(refused, "code")
    signature.refresh_from_db()
    assert signature.status == RequestStatus.ASSOCIATION
    form = form_with(refused, "Signer le document")
    form["code"] = code
    form["confirm"] = True
    signed = form.submit().follow()
    assert "signé pour l'organisation" in messages_of(signed)
    signature.refresh_from_db()
    assert signature.status == RequestStatus.AUTHORITY
    # The elected member countersigns; the confirmation box is required.
    app.set_user(elected)
    form = form_with(app.get(reverse("esign:request", args=[signature.pk])),
                     "Signer pour la collectivité")
    refused = form.submit(status=400)
    assert "Ce champ est obligatoire." in field_error(refused, "confirm")
    form = form_with(refused, "Signer pour la collectivité")
    form["confirm"] = True
    with django_capture_on_commit_callbacks(execute=True):
        done = form.submit().follow()
    assert "signée par les deux parties" in messages_of(done)
    convention.refresh_from_db()
    assert convention.status == ConventionStatus.SIGNED
    pdf = app.get(reverse("esign:pdf", args=[signature.pk])).body
    # An agent verifies an upload: a broken file, then the signed PDF.
    app.set_user(agent)
    form = form_with(app.get(reverse("esign:verify")), "Vérifier")
    form["file"] = ("x.pdf", b"%PDF-1.7 broken", "application/pdf")
    refused = form.submit(status=400)
    assert "PDF illisible" in field_error(refused, "file")
    form = form_with(refused, "Vérifier")
    form["file"] = ("convention.pdf", pdf, "application/pdf")
    verified = form.submit()
    assert "Signatures valides" in verified.text
