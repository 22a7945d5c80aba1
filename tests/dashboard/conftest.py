import pytest

from backoffice.core.roles import Role
from tests.factories import OrganisationFactory, member_of, staff_user


@pytest.fixture
def agent(db):
    return staff_user(Role.FINANCE_AGENT)


@pytest.fixture
def decision_maker(db):
    return staff_user(Role.DECISION_MAKER)


@pytest.fixture
def association_member(db):
    return member_of(OrganisationFactory())
