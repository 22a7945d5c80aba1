import pytest

from tests.factories import AuthorityFactory, OrganisationFactory, member_of, staff_user


@pytest.fixture
def agent(db):
    return staff_user()


@pytest.fixture
def authority(db):
    return AuthorityFactory()


@pytest.fixture
def organisation(db):
    return OrganisationFactory()


@pytest.fixture
def member(organisation):
    return member_of(organisation)
