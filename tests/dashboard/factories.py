"""Small hand-made rows for the dashboard: plain ORM creates, so every date and amount of a
test is visible in the test itself (the services of the other apps are tested there)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from itertools import count

from django.utils import timezone

from backoffice.core.choices import Nature
from conventions.models import (
    Convention,
    ConventionStatus,
    ConventionYear,
    FinancialReport,
    LineKind,
    Payment,
    PaymentStatus,
    ScheduleLine,
)
from funds.models import Application, ApplicationBudgetLine, ApplicationStatus, Award
from tests.factories import AuthorityFactory, OrganisationFactory, UserFactory
from tests.funds.factories import CallFactory, FundFactory
from volunteering.models import EntryStatus, ValuationMethod, Volunteer, VolunteerEntry

_refs = count(1)
D = Decimal


def convention(*, organisation=None, authority=None, start=dt.date(2026, 1, 1),
               end=dt.date(2026, 12, 31), nature=Nature.OPERATING,
               status=ConventionStatus.ACTIVE, years=None, decision_reference="",
               award=None) -> Convention:
    """A convention with tranches ``years`` = {year: (planned, confirmed or None)}, created
    from ``award`` when given."""
    conv = Convention.objects.create(
        reference=f"CONV-T-{next(_refs):04d}", authority=authority or AuthorityFactory(),
        organisation=organisation or OrganisationFactory(), object="Objet", nature=nature,
        imputation="6574", start_date=start, end_date=end, status=status,
        advance_rate=D("0.5"), advance_delay_days=30, decision_reference=decision_reference,
        award=award)
    for year, (planned, confirmed) in (years or {}).items():
        ConventionYear.objects.create(convention=conv, year=year, planned_amount=D(planned),
                                      confirmed_amount=None if confirmed is None else D(confirmed))
    return conv


def line(year: ConventionYear, *, kind=LineKind.INSTALMENT, amount="1000", trigger=None,
         due_by=None, position=None) -> ScheduleLine:
    if trigger is not None and due_by is None:
        due_by = trigger + dt.timedelta(days=60)
    return ScheduleLine.objects.create(
        year=year, position=position or year.lines.count() + 1, kind=kind, amount=D(amount),
        trigger_date=trigger, due_by=due_by)


def pay(schedule_line: ScheduleLine, *, paid_on=None, amount=None,
        status=PaymentStatus.PAID) -> Payment:
    return Payment.objects.create(
        line=schedule_line, amount=D(amount) if amount else schedule_line.amount,
        ordered_on=paid_on or dt.date(2026, 1, 1), mandate_reference=f"M{next(_refs)}",
        account="6574", paid_on=paid_on if status == PaymentStatus.PAID else None, status=status)


def report(year: ConventionYear, *, due=dt.date(2026, 6, 30), submitted_on=None,
           status="expected") -> FinancialReport:
    return FinancialReport.objects.create(year=year, due_date=due, submitted_on=submitted_on,
                                          status=status)


def application(*, fund=None, call=None, organisation="new", submitted_at=None,
                status=ApplicationStatus.SUBMITTED, budget=()) -> Application:
    """``organisation=None`` for a resident applying alone; ``budget`` = (account, amount,
    is_this_authority) triples."""
    call = call or CallFactory(fund=fund or FundFactory())
    app = Application.objects.create(
        call=call, organisation=OrganisationFactory() if organisation == "new" else organisation,
        applicant=UserFactory(), status=status, title="Projet", version=1,
        submitted_at=submitted_at or timezone.make_aware(dt.datetime(2026, 3, 1, 10, 0)))
    ApplicationBudgetLine.objects.bulk_create([
        ApplicationBudgetLine(application=app, account=account, amount=D(amount),
                              is_this_authority=mine, funder="commune" if account == "74" else "")
        for account, amount, mine in budget])
    return app


def award(app: Application, *, amount="4000", nature=Nature.PROJECT,
          deliberation_date=dt.date(2026, 4, 1), reference="DEL-2026-01") -> Award:
    return Award.objects.create(
        application=app, fund=app.call.fund, amount=D(amount), nature=nature,
        deliberation_reference=reference, deliberation_date=deliberation_date,
        awarded_by=UserFactory(), awarded_at=timezone.now())


def volunteer_hours(organisation, *, date=dt.date(2026, 5, 1), hours="10", value="120.20",
                    status=EntryStatus.VALIDATED, convention=None) -> VolunteerEntry:
    volunteer, _created = Volunteer.objects.get_or_create(organisation=organisation,
                                                          name="Anne B.")
    return VolunteerEntry.objects.create(
        organisation=organisation, volunteer=volunteer, date=date, hours=D(hours),
        activity="animation", status=status, valuation_method=ValuationMethod.SMIC_GROSS,
        rate=D("12.02"), value=D(value), convention=convention)
