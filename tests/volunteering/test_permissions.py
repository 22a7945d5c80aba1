"""The permission map: who may do what on an organisation's volunteer hours."""

import pytest

from backoffice.core.roles import Role
from tests.factories import UserFactory, staff_user
from volunteering.permissions import can

from .factories import EntryFactory

pytestmark = pytest.mark.django_db

ORG_ACTIONS = ["volunteering.view", "volunteering.log", "volunteering.import",
               "volunteering.validate", "volunteering.manage", "volunteering.attest",
               "volunteering.revalue"]


def allowed(user, organisation):
    return {action for action in ORG_ACTIONS if can(user, action, organisation)[0]}


def test_admin_of_the_organisation_may_do_everything(organisation, admin):
    assert allowed(admin, organisation) == set(ORG_ACTIONS)


def test_plain_member_logs_but_does_not_validate(organisation, member):
    assert allowed(member, organisation) == {"volunteering.view", "volunteering.log",
                                             "volunteering.import"}
    ok, reason = can(member, "volunteering.validate", organisation)
    assert not ok and "administrateurs" in reason


def test_member_of_another_organisation_may_do_nothing(organisation, outsider):
    assert allowed(outsider, organisation) == set()
    entry = EntryFactory(volunteer__organisation=organisation)
    assert not can(outsider, "entry.edit", entry)[0]


@pytest.mark.parametrize("role,expected", [
    (Role.FINANCE_AGENT, {"volunteering.view", "volunteering.revalue"}),
    (Role.INSTRUCTOR, {"volunteering.view"}),
    (Role.DECISION_MAKER, {"volunteering.view"}),
])
def test_authority_staff_read_and_finance_agents_revalue(organisation, role, expected):
    assert allowed(staff_user(role), organisation) == expected


def test_rates_are_kept_by_finance_agents_and_administrators(admin):
    assert can(staff_user(Role.FINANCE_AGENT), "volunteering.rates")[0]
    assert can(staff_user(Role.ADMINISTRATOR), "volunteering.rates")[0]
    assert not can(staff_user(Role.INSTRUCTOR), "volunteering.rates")[0]
    assert not can(admin, "volunteering.rates")[0]


def test_inactive_and_anonymous_users_are_refused(organisation):
    from django.contrib.auth.models import AnonymousUser

    inactive = UserFactory(is_active=False)
    assert can(inactive, "volunteering.view", organisation) == (False, "Ce compte est désactivé.")
    assert not can(AnonymousUser(), "volunteering.view", organisation)[0]
    with pytest.raises(KeyError):
        can(staff_user(), "volunteering.fly", organisation)
