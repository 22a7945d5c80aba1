"""Factories of the core models used by the reminder tests."""

import datetime as dt

import factory

from backoffice.core.models import DocumentKind, OrganisationDocument
from tests.factories import OrganisationFactory


class OrganisationDocumentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = OrganisationDocument

    organisation = factory.SubFactory(OrganisationFactory)
    kind = DocumentKind.ACCOUNTS
    label = "Comptes approuvés 2025"
    file = "organisations/documents/comptes.pdf"
    original_name = "comptes.pdf"
    content_type = "application/pdf"
    size = 1024
    sha256 = "0" * 64
    valid_until = dt.date(2027, 6, 30)
