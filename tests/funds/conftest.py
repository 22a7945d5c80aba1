import pytest

from backoffice.core.roles import Role
from tests.factories import MembershipFactory, staff_user

from .factories import ApplicationFactory, CallFactory


@pytest.fixture
def call(db):
    return CallFactory()


@pytest.fixture
def draft(call):
    application = ApplicationFactory(call=call)
    MembershipFactory(user=application.applicant, organisation=application.organisation)
    return application


@pytest.fixture
def instructor(db):
    return staff_user(Role.INSTRUCTOR)


@pytest.fixture
def decider(db):
    return staff_user(Role.DECISION_MAKER)


@pytest.fixture
def agent(db):
    return staff_user(Role.FINANCE_AGENT)
