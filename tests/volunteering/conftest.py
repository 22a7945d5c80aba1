"""Fixtures of the volunteering tests: an organisation with an admin, a member, volunteers."""

import datetime as dt

import pytest
import time_machine

from tests.factories import MembershipFactory, OrganisationFactory, UserFactory, member_of
from volunteering.models import ValuationRate

from .factories import VolunteerFactory

TODAY = dt.date(2026, 3, 10)


@pytest.fixture
def today():
    """Freeze 'today' at 10 March 2026 (after the 1 January 2026 SMIC change)."""
    with time_machine.travel(dt.datetime(2026, 3, 10, 12, 0), tick=False):
        yield TODAY


@pytest.fixture
def smic_rates(db):
    """The SMIC rates of the data migration, again (a transactional test flushes them)."""
    from importlib import import_module

    migration = import_module("volunteering.migrations.0002_seed_smic_rates")
    for kind, valid_from, value, source in migration.RATES:
        ValuationRate.objects.get_or_create(kind=kind, qualification="", valid_from=valid_from,
                                            defaults={"value": value, "source": source})


@pytest.fixture
def free_text_projects(settings):
    """Projects as free text (setting VOLUNTEERING_PROJECT_RESOLVER emptied): any reference."""
    settings.VOLUNTEERING_PROJECT_RESOLVER = ""


@pytest.fixture
def organisation(db):
    return OrganisationFactory()


@pytest.fixture
def admin(organisation):
    return member_of(organisation)


@pytest.fixture
def member(organisation):
    user = UserFactory()
    MembershipFactory(user=user, organisation=organisation, role="member")
    return user


@pytest.fixture
def other_organisation(db):
    return OrganisationFactory()


@pytest.fixture
def outsider(other_organisation):
    return member_of(other_organisation)


@pytest.fixture
def volunteers(organisation):
    return [VolunteerFactory(organisation=organisation, name=name)
            for name in ["Anne B.", "Yann K.", "Soizic L."]]
