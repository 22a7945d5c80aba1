"""The conventions services check can() themselves: called with the wrong actor (a command, a
task, the admin), they are refused with the French reason and nothing changes."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied

from backoffice.core.roles import Role
from conventions import services
from conventions.models import Amendment, ConventionStatus, Payment
from tests.factories import OrganisationFactory, member_of, staff_user

from .factories import BALANCED_REPORT, make_convention

pytestmark = pytest.mark.django_db


def test_money_and_status_services_need_a_finance_agent(agent, organisation, member):
    convention = make_convention(organisation=organisation, agent=agent, confirmed=True)
    year = convention.years.get(year=2026)
    line = year.lines.order_by("position").first()
    for actor in (None, member, staff_user(Role.INSTRUCTOR)):
        with pytest.raises(PermissionDenied, match="connecté|agents financiers"):
            services.payment_order(line=line, ordered_on=dt.date(2026, 2, 1),
                                   mandate_reference="M1", actor=actor)
        with pytest.raises(PermissionDenied, match="connecté|agents financiers"):
            services.payment_record(line=line, paid_on=dt.date(2026, 2, 1),
                                    mandate_reference="M1", actor=actor)
        with pytest.raises(PermissionDenied, match="connecté|agents financiers"):
            services.convention_transition(convention=convention, to=ConventionStatus.TERMINATED,
                                           actor=actor, reason="Fin")
        with pytest.raises(PermissionDenied, match="connecté|agents financiers"):
            services.amendment_create(convention=convention, reason="Avenant", actor=actor,
                                      new_amounts={2027: Decimal("1")})
    payment = services.payment_order(line=line, ordered_on=dt.date(2026, 2, 1),
                                     mandate_reference="M1", actor=agent)
    with pytest.raises(PermissionDenied, match="agents financiers"):
        services.payment_transition(payment=payment, to="paid", paid_on=dt.date(2026, 2, 2),
                                    actor=member)
    payment.refresh_from_db()
    assert payment.status == "ordered" and Payment.objects.count() == 1
    convention.refresh_from_db()
    assert convention.status == ConventionStatus.ACTIVE and not Amendment.objects.exists()


def test_reports_are_submitted_by_members_and_reviewed_by_agents(agent, organisation, member):
    convention = make_convention(organisation=organisation, agent=agent, confirmed=True)
    report = convention.years.get(year=2026).report
    with pytest.raises(PermissionDenied, match="membres de l'organisation"):
        services.report_submit(report=report, budget_lines=BALANCED_REPORT, subsidy_used="1",
                               qualitative_report="Bilan", actor=member_of(OrganisationFactory()))
    services.report_submit(report=report, budget_lines=BALANCED_REPORT, subsidy_used="24000",
                           qualitative_report="Bilan", actor=member, on=dt.date(2027, 1, 15))
    with pytest.raises(PermissionDenied, match="agents financiers"):
        services.report_review(report=report, approve=True, actor=member)
    report.refresh_from_db()
    assert report.status == "submitted"
