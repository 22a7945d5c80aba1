"""A membership changes status only through ``membership_transition``: pending → active, once,
with its audit row."""

import pytest
from django.core.exceptions import ValidationError

from backoffice.core import services
from backoffice.core.models import AuditEvent, MembershipRole, MembershipStatus
from backoffice.core.roles import Role
from tests.factories import MembershipFactory, OrganisationFactory, staff_user

pytestmark = pytest.mark.django_db


def test_approving_a_request_goes_through_the_transition_and_is_audited():
    organisation = OrganisationFactory()
    MembershipFactory(organisation=organisation)           # its active administrator
    request = MembershipFactory(organisation=organisation, role=MembershipRole.MEMBER,
                                status=MembershipStatus.PENDING)
    agent = staff_user(Role.FINANCE_AGENT)
    services.membership_approve(membership=request, actor=agent)
    request.refresh_from_db()
    assert request.status == MembershipStatus.ACTIVE
    assert AuditEvent.objects.filter(event="membership_approved").count() == 1


def test_an_active_membership_cannot_move_again():
    membership = MembershipFactory(status=MembershipStatus.ACTIVE)
    with pytest.raises(ValidationError, match="Changement d'état impossible"):
        services.membership_transition(membership=membership, to=MembershipStatus.ACTIVE,
                                       actor=staff_user(Role.FINANCE_AGENT), event="x")
    assert not AuditEvent.objects.filter(event="x").exists()
