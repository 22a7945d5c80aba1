import datetime as dt
import re

import pytest

from conventions import services as convention_services
from conventions.models import ConventionStatus, DocumentStatus
from esign import pki
from tests.conventions.factories import make_convention
from tests.factories import AuthorityFactory, OrganisationFactory, member_of, staff_user


@pytest.fixture
def demo_pki(tmp_path, settings):
    """A CA and both signers, generated for the test (no network, no fixture files)."""
    made = pki.make_demo_pki(tmp_path / "pki", authority_name="Ville de Test")
    settings.ESIGN_PLATFORM_PKCS12 = str(made.platform_p12)
    settings.ESIGN_PLATFORM_PASSPHRASE = made.passphrase
    settings.ESIGN_AUTHORITY_PKCS12 = str(made.authority_p12)
    settings.ESIGN_AUTHORITY_PASSPHRASE = made.passphrase
    settings.ESIGN_TRUST_ROOTS = [str(made.ca_pem)]
    settings.ESIGN_TSA_URL = ""
    return made


@pytest.fixture
def organisation(db):
    return OrganisationFactory(legal_representative_name="Gaëlle Le Roux")


@pytest.fixture
def representative(organisation):
    return member_of(organisation, first_name="Gaëlle", last_name="Le Roux")


@pytest.fixture
def agent(db):
    return staff_user()


@pytest.fixture
def elected(db):
    from backoffice.core.roles import Role

    return staff_user(Role.DECISION_MAKER, first_name="Anne", last_name="Le Bihan")


@pytest.fixture
def sent_document(db, organisation, agent, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        convention = make_convention(authority=AuthorityFactory(city="Lorient"),
                                     organisation=organisation, agent=agent)
        convention_services.convention_transition(convention=convention,
                                                  to=ConventionStatus.SENT, actor=agent,
                                                  on=dt.date(2026, 1, 10))
    document = convention.documents.get(kind="convention")
    assert document.status == DocumentStatus.READY
    return document


def code_from(mailoutbox) -> str:
    return re.search(r"\b(\d{6})\b", mailoutbox[-1].body).group(1)
