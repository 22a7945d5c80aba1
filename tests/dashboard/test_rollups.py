"""The rollups kept by PostgreSQL triggers (dashboard migration 0002) stay exact: after any
sequence of changes of the source rows, the scorecard read from the rollups equals the one
computed from the source rows, and the rollups equal a rebuild from scratch."""

from __future__ import annotations

import datetime as dt
import json
import random
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.db.models import Exists, Max, OuterRef
from django.utils import timezone

from backoffice.core.choices import Nature
from backoffice.core.models import LegalForm, Organisation
from conventions.models import (
    Convention,
    ConventionStatus,
    ConventionYear,
    FinancialReport,
    LineKind,
    Payment,
    PaymentStatus,
    ReportStatus,
    ScheduleLine,
)
from dashboard import rollups, selectors
from dashboard.models import ConventionYearFacts, DayCounts
from funds.models import Application, ApplicationBudgetLine, ApplicationStatus, Award
from tests.factories import AuthorityFactory, OrganisationFactory, UserFactory
from tests.funds.factories import CallFactory, FundFactory
from volunteering.models import EntryStatus, ValuationMethod, Volunteer, VolunteerEntry

from . import factories as f
from . import oracle

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.services,
    pytest.mark.skipif(connection.vendor != "postgresql",
                       reason="the rollups are kept by PostgreSQL triggers only"),
]

D = Decimal
YEARS = (2025, 2026, 2027)
TODAY = dt.date(2026, 11, 22)
AMOUNTS = ("0", "0.01", "1500", "2300.50", "12000", "45000.99")
HOURS = ("0.25", "1", "2.5", "7", "24")
ACCOUNTS = ("74", "74", "70", "75", "870", "871", "60")
UTC = dt.UTC


# --- Checks --------------------------------------------------------------------------------


def scorecard_differences() -> list[str]:
    """Every figure where the scorecard read from the rollups differs from the one computed
    from the source rows, for each year shown (and its two previous years)."""
    differences = []
    for year in YEARS:
        source = oracle.scorecard(year=year, today=TODAY)
        kept = selectors.scorecard(year=year, today=TODAY)
        if source == kept:
            continue
        for source_row, kept_row in zip(source, kept, strict=True):
            for key in sorted(set(source_row) | set(kept_row)):
                if source_row.get(key) != kept_row.get(key):
                    differences.append(f"{source_row['year']} {key}: source rows "
                                       f"{source_row.get(key)!r} ≠ rollups {kept_row.get(key)!r}")
        differences.append(f"scorecard(year={year}) differs")
    return differences


def assert_exact(log: list[str], *, full: bool = False) -> None:
    """The scorecard from the rollups equals the one from the source rows (and, with ``full``,
    the rollups equal a rebuild); on failure, the operations that led there."""
    for year in YEARS:
        source = oracle.scorecard(year=year, today=TODAY)
        kept = selectors.scorecard(year=year, today=TODAY)
        assert source == kept, _failure(log, scorecard_differences())
    if full:
        differences = rollups.check()
        assert differences == [], _failure(log, differences)


def _failure(log: list[str], differences: list[str]) -> str:
    return ("rollups diverge after these operations:\n  " + "\n  ".join(log)
            + "\ndifferences:\n  " + "\n  ".join(differences[:40]))


# --- A small world and random changes ------------------------------------------------------


class World:
    """A few organisations, conventions, applications and volunteer entries, changed by random
    operations through the ORM (``save()``, ``QuerySet.update()``, ``bulk_create``, deletes).
    Every operation is logged; an ``op_*`` method returns None when it does not apply."""

    def __init__(self, seed: int):
        self.rng = random.Random(seed)
        self.log: list[str] = [f"seed {seed}"]
        self.authority = AuthorityFactory()
        self.user = UserFactory()
        self.fund = FundFactory(authority=self.authority, year_start=2024, year_end=2027)
        self.call = CallFactory(fund=self.fund)
        forms = [LegalForm.ASSOCIATION, LegalForm.INFORMAL, LegalForm.SCIC, LegalForm.INFORMAL,
                 LegalForm.ASSOCIATION]
        self.organisations = [OrganisationFactory(legal_form=form) for form in forms]
        self.volunteers = {org.pk: Volunteer.objects.create(organisation=org, name="Anne B.")
                           for org in self.organisations}

    # Random values.

    def choice(self, values):
        return self.rng.choice(list(values))

    def amount(self, positive=False) -> Decimal:
        return D(self.choice(AMOUNTS[2:] if positive else AMOUNTS))

    def day(self, first=2024, last=2027) -> dt.date:
        if self.rng.random() < 0.15:  # the edges of a year
            year = self.rng.randint(first, last)
            return self.choice([dt.date(year, 1, 1), dt.date(year, 12, 31)])
        start = dt.date(first, 1, 1)
        return start + dt.timedelta(days=self.rng.randint(0, (dt.date(last, 12, 31) - start).days))

    def moment(self) -> dt.datetime:
        """A submission time, sometimes on New Year's Eve in UTC (next year in Paris)."""
        if self.rng.random() < 0.2:
            return dt.datetime(self.rng.randint(2024, 2026), 12, 31, 23, 30, tzinfo=UTC)
        day = self.day()
        return dt.datetime(day.year, day.month, day.day, self.rng.randint(0, 23),
                           self.rng.choice([0, 15, 59]), tzinfo=UTC)

    def paid_on(self, line) -> dt.date:
        """Mostly a few days to a few months after the line's trigger date, or in its tranche's
        year (where advances count), else any day."""
        draw = self.rng.random()
        if line.trigger_date and draw < 0.6:
            return line.trigger_date + dt.timedelta(days=self.rng.randint(-5, 100))
        if draw < 0.85:
            year = line.year.year
            return self.day(max(year, 2023), max(year, 2023))
        return self.day()

    def pick(self, queryset):
        ids = self.ids(queryset)
        return queryset.model.objects.get(pk=self.choice(ids)) if ids else None

    def ids(self, queryset) -> list[int]:
        return list(queryset.order_by("pk").values_list("pk", flat=True).distinct())

    def some(self, queryset, most=5) -> list[int]:
        ids = self.ids(queryset)
        return self.rng.sample(ids, self.rng.randint(1, min(most, len(ids)))) if ids else []

    # Conventions.

    def op_convention_create(self):
        start = self.rng.randint(2024, 2027)
        end = self.rng.randint(start, 2027)
        years = self.rng.sample(range(2024, 2028), self.choice([0, 1, 2, 2, 3]))
        tranches = {year: (str(self.amount()),
                           None if self.rng.random() < 0.5 else str(self.amount()))
                    for year in years}
        conv = f.convention(
            organisation=self.choice(self.organisations), authority=self.authority,
            start=dt.date(start, self.rng.randint(1, 12), 1), end=dt.date(end, 12, 31),
            nature=self.choice(Nature.values), status=self.choice(ConventionStatus.values),
            years=tranches)
        return f"create convention {conv.pk} {conv.status} {conv.nature} {start}-{end} {tranches}"

    def op_convention_save(self):
        conv = self.pick(Convention.objects.all())
        if conv is None:
            return None
        field = self.choice(["status", "nature", "end_date", "start_date"])
        if field == "status":
            conv.status = self.choice(ConventionStatus.values)
        elif field == "nature":
            conv.nature = self.choice(Nature.values)
        elif field == "end_date":
            conv.end_date = dt.date(self.rng.randint(conv.start_date.year, 2027), 12, 31)
        else:
            conv.start_date = dt.date(self.rng.randint(2024, conv.end_date.year),
                                      self.rng.randint(1, 12), 1)
        conv.save()
        return f"convention {conv.pk}.save() {field}={getattr(conv, field)}"

    def op_convention_update(self):
        ids = self.some(Convention.objects.all())
        if not ids:
            return None
        field = self.choice(["status", "nature", "end_date"])
        if field == "status":
            value = self.choice(ConventionStatus.values)
        elif field == "nature":
            value = self.choice(Nature.values)
        else:
            value = dt.date(self.rng.randint(2024, 2027), 12, 31)
        conventions = Convention.objects.filter(pk__in=ids)
        if field == "end_date":
            conventions = conventions.filter(start_date__lte=value)
        n = conventions.update(**{field: value})
        return f"conventions {ids}.update({field}={value}) -> {n} rows"

    def op_convention_delete(self):
        """Delete conventions without payments or volunteer entries (both protect them)."""
        paid = Payment.objects.filter(line__year__convention=OuterRef("pk"))
        logged = VolunteerEntry.objects.filter(convention=OuterRef("pk"))
        ids = self.some(Convention.objects.filter(~Exists(paid), ~Exists(logged)), most=2)
        if not ids:
            return None
        # Money rows are PROTECTed from cascades: children go first, explicitly.
        FinancialReport.objects.filter(year__convention__in=ids).delete()
        ScheduleLine.objects.filter(year__convention__in=ids).delete()
        ConventionYear.objects.filter(convention__in=ids).delete()
        Convention.objects.filter(pk__in=ids).delete()
        return f"delete conventions {ids} (and their tranches, lines, reports)"

    # Tranches.

    def op_tranche_create(self):
        conv = self.pick(Convention.objects.all())
        free = sorted(set(range(2024, 2028)) - set(conv.years.values_list("year", flat=True))
                      ) if conv else []
        if not free:
            return None
        tranche = ConventionYear.objects.create(
            convention=conv, year=self.choice(free), planned_amount=self.amount(),
            confirmed_amount=None if self.rng.random() < 0.5 else self.amount())
        return (f"create tranche {tranche.pk} of convention {conv.pk} {tranche.year} "
                f"{tranche.planned_amount}/{tranche.confirmed_amount}")

    def op_tranche_amount(self):
        if self.rng.random() < 0.5:
            tranche = self.pick(ConventionYear.objects.all())
            if tranche is None:
                return None
            tranche.planned_amount = self.amount()
            tranche.confirmed_amount = None if self.rng.random() < 0.3 else self.amount()
            tranche.save()
            return (f"tranche {tranche.pk}.save() amounts {tranche.planned_amount}/"
                    f"{tranche.confirmed_amount}")
        conv = self.pick(Convention.objects.filter(years__isnull=False))
        if conv is None:
            return None
        confirmed = None if self.rng.random() < 0.3 else self.amount()
        n = ConventionYear.objects.filter(convention=conv).update(confirmed_amount=confirmed)
        return f"tranches of convention {conv.pk}.update(confirmed_amount={confirmed}) -> {n}"

    def op_tranche_move(self):
        """Change a tranche's year, or move it (lines, payments and report) to another
        convention."""
        tranche = self.pick(ConventionYear.objects.all())
        if tranche is None:
            return None
        if self.rng.random() < 0.7:
            free = sorted(set(range(2023, 2028)) - set(
                tranche.convention.years.values_list("year", flat=True)))
            if not free:
                return None
            old, tranche.year = tranche.year, self.choice(free)
            tranche.save()
            return f"tranche {tranche.pk}.save() year {old}->{tranche.year}"
        target = self.pick(Convention.objects.exclude(pk=tranche.convention_id)
                           .exclude(years__year=tranche.year))
        if target is None:
            return None
        n = ConventionYear.objects.filter(pk=tranche.pk).update(convention=target)
        return f"tranche {tranche.pk}.update(convention={target.pk}) -> {n}"

    def op_tranche_delete(self):
        tranche = self.pick(ConventionYear.objects.all())
        if tranche is None:
            return None
        pk = tranche.pk
        if Payment.objects.filter(line__year=tranche).exists():
            return None
        FinancialReport.objects.filter(year=tranche).delete()
        tranche.lines.all().delete()
        tranche.delete()
        return f"delete tranche {pk} (and its lines, report)"

    # Schedule lines.

    def op_line_create(self):
        tranche = self.pick(ConventionYear.objects.all())
        if tranche is None:
            return None
        trigger = None if self.rng.random() < 0.3 else self.day()
        position = (tranche.lines.aggregate(m=Max("position"))["m"] or 0) + 1
        line = f.line(tranche, kind=self.choice(LineKind.values),
                      amount=self.choice(("0",) + AMOUNTS), trigger=trigger, position=position)
        return (f"create line {line.pk} of tranche {tranche.pk} {line.kind} {line.amount} "
                f"trigger {trigger}")

    def op_line_update(self):
        field = self.choice(["kind", "trigger_date", "amount"])
        values = {"kind": lambda: self.choice(LineKind.values),
                  "trigger_date": lambda: None if self.rng.random() < 0.3 else self.day(),
                  "amount": lambda: D(self.choice(("0",) + AMOUNTS))}
        if self.rng.random() < 0.6:
            line = self.pick(ScheduleLine.objects.all())
            if line is None:
                return None
            setattr(line, field, values[field]())
            line.save()
            return f"line {line.pk}.save() {field}={getattr(line, field)}"
        conv = self.pick(Convention.objects.filter(years__lines__isnull=False))
        if conv is None:
            return None
        value = values[field]()
        n = ScheduleLine.objects.filter(year__convention=conv).update(**{field: value})
        return f"lines of convention {conv.pk}.update({field}={value}) -> {n}"

    def op_line_move(self):
        line = self.pick(ScheduleLine.objects.all())
        target = self.pick(ConventionYear.objects.exclude(lines=line)) if line else None
        if target is None:
            return None
        position = (target.lines.aggregate(m=Max("position"))["m"] or 0) + 1
        old = line.year_id
        line.year, line.position = target, position
        line.save()
        return f"line {line.pk}.save() tranche {old}->{target.pk}"

    def op_line_delete(self):
        line = self.pick(ScheduleLine.objects.filter(payments__isnull=True))
        if line is None:
            return None
        pk = line.pk
        line.delete()
        return f"delete line {pk}"

    # Payments.

    def op_payment_create(self):
        status = self.choice([PaymentStatus.PAID, PaymentStatus.ORDERED, PaymentStatus.ORDERED,
                              PaymentStatus.CANCELLED])
        lines = ScheduleLine.objects.all()
        if status != PaymentStatus.CANCELLED:
            live = Payment.objects.filter(line=OuterRef("pk")).exclude(
                status=PaymentStatus.CANCELLED)
            lines = lines.filter(~Exists(live))
        line = self.pick(lines)
        if line is None:
            return None
        paid_on = self.paid_on(line) if status == PaymentStatus.PAID else None
        payment = f.pay(line, paid_on=paid_on, status=status)
        return f"create payment {payment.pk} on line {line.pk} {status} {paid_on}"

    def op_payment_mark_paid(self):
        payment = self.pick(Payment.objects.filter(status=PaymentStatus.ORDERED))
        if payment is None:
            return None
        payment.status, payment.paid_on = PaymentStatus.PAID, self.paid_on(payment.line)
        payment.save()
        return f"payment {payment.pk}.save() paid on {payment.paid_on}"

    def op_payment_paid_on(self):
        payment = self.pick(Payment.objects.filter(status=PaymentStatus.PAID))
        if payment is None:
            return None
        payment.paid_on = self.paid_on(payment.line)
        payment.save()
        return f"payment {payment.pk}.save() paid_on={payment.paid_on}"

    def op_payment_cancel(self):
        payment = self.pick(Payment.objects.exclude(status=PaymentStatus.CANCELLED))
        if payment is None:
            return None
        payment.status = PaymentStatus.CANCELLED
        if self.rng.random() < 0.5:
            payment.paid_on = None
        payment.save()
        return f"payment {payment.pk}.save() cancelled (paid_on {payment.paid_on})"

    def op_payment_update(self):
        conv = self.pick(Convention.objects.filter(years__lines__payments__isnull=False))
        if conv is None:
            return None
        payments = Payment.objects.filter(line__year__convention=conv)
        paid_on = self.paid_on(payments.order_by("pk").first().line)
        if self.rng.random() < 0.5:
            n = payments.filter(status=PaymentStatus.ORDERED).update(
                status=PaymentStatus.PAID, paid_on=paid_on)
            return f"ordered payments of convention {conv.pk}.update(paid on {paid_on}) -> {n}"
        n = payments.filter(status=PaymentStatus.PAID).update(paid_on=paid_on)
        return f"paid payments of convention {conv.pk}.update(paid_on={paid_on}) -> {n}"

    def op_payment_move(self):
        """Point a payment at another line (one without a live payment)."""
        payment = self.pick(Payment.objects.all())
        live = Payment.objects.filter(line=OuterRef("pk")).exclude(status=PaymentStatus.CANCELLED)
        line = self.pick(ScheduleLine.objects.exclude(pk=payment.line_id).filter(~Exists(live))
                         ) if payment else None
        if line is None:
            return None
        Payment.objects.filter(pk=payment.pk).update(line=line)
        return f"payment {payment.pk}.update(line={line.pk}) from line {payment.line_id}"

    def op_payment_delete(self):
        ids = self.some(Payment.objects.all(), most=3)
        if not ids:
            return None
        Payment.objects.filter(pk__in=ids).delete()
        return f"delete payments {ids}"

    # Financial reports.

    def op_report_create(self):
        tranche = self.pick(ConventionYear.objects.filter(report__isnull=True))
        if tranche is None:
            return None
        due = self.day()
        submitted = (None if self.rng.random() < 0.5
                     else due + dt.timedelta(days=self.rng.randint(-60, 60)))
        report = f.report(tranche, due=due, submitted_on=submitted,
                          status=ReportStatus.SUBMITTED if submitted else ReportStatus.EXPECTED)
        return f"create report {report.pk} of tranche {tranche.pk} due {due} filed {submitted}"

    def op_report_submit(self):
        report = self.pick(FinancialReport.objects.all())
        if report is None:
            return None
        if report.submitted_on and self.rng.random() < 0.3:
            report.submitted_on, report.status = None, ReportStatus.CHANGES_REQUESTED
        else:
            report.submitted_on = report.due_date + dt.timedelta(days=self.rng.randint(-30, 30))
            report.status = ReportStatus.SUBMITTED
        report.save()
        return f"report {report.pk}.save() submitted_on={report.submitted_on}"

    def op_report_due(self):
        due = self.day()
        if self.rng.random() < 0.5:
            report = self.pick(FinancialReport.objects.all())
            if report is None:
                return None
            report.due_date = due
            report.save()
            return f"report {report.pk}.save() due_date={due}"
        ids = self.some(FinancialReport.objects.all())
        if not ids:
            return None
        n = FinancialReport.objects.filter(pk__in=ids).update(due_date=due)
        return f"reports {ids}.update(due_date={due}) -> {n}"

    def op_report_delete(self):
        report = self.pick(FinancialReport.objects.all())
        if report is None:
            return None
        pk = report.pk
        report.delete()
        return f"delete report {pk}"

    # Volunteer entries.

    def entry(self) -> VolunteerEntry:
        org = self.choice(self.organisations)
        hours = D(self.choice(HOURS))
        conventions = self.ids(Convention.objects.all())
        return VolunteerEntry(
            organisation=org, volunteer=self.volunteers[org.pk], date=self.day(2023),
            hours=hours, activity="animation", status=self.choice(EntryStatus.values),
            valuation_method=ValuationMethod.SMIC_GROSS, rate=D("12.02"),
            value=(hours * D("12.02")).quantize(D("0.01")),
            convention_id=(self.choice(conventions)
                           if conventions and self.rng.random() < 0.8 else None))

    def op_entry_create(self):
        entry = self.entry()
        entry.save()
        return (f"create entry {entry.pk} {entry.status} {entry.date} {entry.hours} h "
                f"convention {entry.convention_id}")

    def op_entry_bulk_create(self):
        entries = VolunteerEntry.objects.bulk_create(
            [self.entry() for _ in range(self.rng.randint(2, 12))])
        return f"bulk_create entries {[e.pk for e in entries]}"

    def op_entry_save(self):
        entry = self.pick(VolunteerEntry.objects.all())
        if entry is None:
            return None
        field = self.choice(["status", "date", "hours", "value", "convention_id"])
        new = self.entry()
        setattr(entry, field, getattr(new, field))
        entry.save()
        return f"entry {entry.pk}.save() {field}={getattr(entry, field)}"

    def op_entry_update(self):
        ids = self.some(VolunteerEntry.objects.all(), most=8)
        if not ids:
            return None
        field = self.choice(["status", "date", "convention_id", "hours"])
        value = getattr(self.entry(), field)
        n = VolunteerEntry.objects.filter(pk__in=ids).update(**{field: value})
        return f"entries {ids}.update({field}={value}) -> {n}"

    def op_entry_delete(self):
        ids = self.some(VolunteerEntry.objects.all(), most=4)
        if not ids:
            return None
        VolunteerEntry.objects.filter(pk__in=ids).delete()
        return f"delete entries {ids}"

    # Applications, their budgets and awards.

    def organisation(self):
        return None if self.rng.random() < 0.25 else self.choice(self.organisations)

    def op_application_create(self):
        submitted = self.rng.random() < 0.7
        app = Application.objects.create(
            call=self.call, organisation=self.organisation(), applicant=self.user,
            title="Projet", status=(ApplicationStatus.SUBMITTED if submitted
                                    else ApplicationStatus.DRAFT),
            version=int(submitted), submitted_at=self.moment() if submitted else None)
        lines = ApplicationBudgetLine.objects.bulk_create(
            [self.budget_line(app) for _ in range(self.rng.randint(0, 4))])
        return (f"create application {app.pk} of {app.organisation_id} {app.status} "
                f"{app.submitted_at} budget {[(x.account, x.amount) for x in lines]}")

    def op_application_submit(self):
        app = self.pick(Application.objects.filter(status=ApplicationStatus.DRAFT))
        if app is None:
            return None
        app.status, app.submitted_at, app.version = (ApplicationStatus.SUBMITTED,
                                                     self.moment(), app.version + 1)
        app.save()
        return f"application {app.pk}.save() submitted at {app.submitted_at}"

    def op_application_save(self):
        app = self.pick(Application.objects.all())
        if app is None:
            return None
        field = self.choice(["status", "submitted_at", "organisation"])
        if field == "status":
            app.status = self.choice(ApplicationStatus.values)
            if app.status != ApplicationStatus.DRAFT and app.submitted_at is None:
                app.submitted_at = self.moment()
        elif field == "submitted_at":
            app.submitted_at = self.moment()
        else:
            app.organisation = self.organisation()
        app.save()
        return f"application {app.pk}.save() {field}={getattr(app, field)}"

    def op_application_update(self):
        if self.rng.random() < 0.5:
            ids = self.some(Application.objects.all())
            status = self.choice(ApplicationStatus.values)
            n = Application.objects.filter(pk__in=ids, submitted_at__isnull=False).update(
                status=status)
            return f"applications {ids}.update(status={status}) -> {n}"
        org = self.choice(self.organisations)
        moment = self.moment()
        n = Application.objects.filter(organisation=org).update(submitted_at=moment)
        return f"applications of {org.pk}.update(submitted_at={moment}) -> {n}"

    def op_application_delete(self):
        app = self.pick(Application.objects.filter(award__isnull=True))
        if app is None:
            return None
        pk = app.pk
        app.delete()
        return f"delete application {pk} (and its budget lines)"

    def budget_line(self, app) -> ApplicationBudgetLine:
        account = self.choice(ACCOUNTS)
        return ApplicationBudgetLine(
            application=app, account=account, amount=self.choice([D("0"), self.amount(True)]),
            is_this_authority=account == "74" and self.rng.random() < 0.5,
            funder="commune" if account == "74" else "")

    def op_budget_create(self):
        app = self.pick(Application.objects.all())
        if app is None:
            return None
        line = self.budget_line(app)
        line.save()
        return (f"create budget line {line.pk} of application {app.pk} {line.account} "
                f"{line.amount} this authority {line.is_this_authority}")

    def op_budget_update(self):
        field = self.choice(["amount", "is_this_authority", "account"])
        values = {"amount": lambda: self.choice([D("0"), self.amount(True)]),
                  "is_this_authority": lambda: self.rng.random() < 0.5,
                  "account": lambda: self.choice(ACCOUNTS)}
        if self.rng.random() < 0.5:
            line = self.pick(ApplicationBudgetLine.objects.all())
            if line is None:
                return None
            setattr(line, field, values[field]())
            line.save()
            return f"budget line {line.pk}.save() {field}={getattr(line, field)}"
        app = self.pick(Application.objects.filter(budget_lines__isnull=False))
        if app is None:
            return None
        value = values[field]()
        n = ApplicationBudgetLine.objects.filter(application=app).update(**{field: value})
        return f"budget lines of application {app.pk}.update({field}={value}) -> {n}"

    def op_budget_delete(self):
        ids = self.some(ApplicationBudgetLine.objects.all(), most=3)
        if not ids:
            return None
        ApplicationBudgetLine.objects.filter(pk__in=ids).delete()
        return f"delete budget lines {ids}"

    def op_budget_move(self):
        """Move an application's budget lines to another application."""
        source = self.pick(Application.objects.filter(budget_lines__isnull=False))
        target = self.pick(Application.objects.exclude(pk=source.pk)) if source else None
        if target is None:
            return None
        n = ApplicationBudgetLine.objects.filter(application=source).update(application=target)
        return f"budget lines of application {source.pk}.update(application={target.pk}) -> {n}"

    def op_award_create(self):
        app = self.pick(Application.objects.filter(award__isnull=True))
        if app is None:
            return None
        if app.submitted_at and self.rng.random() < 0.8:
            deliberation = app.submitted_at.date() + dt.timedelta(days=self.rng.randint(-3, 150))
        else:
            deliberation = self.day()
        award = Award.objects.create(
            application=app, fund=self.fund, amount=self.amount(positive=True),
            nature=Nature.PROJECT, deliberation_reference="DEL", deliberation_date=deliberation,
            awarded_by=self.user, awarded_at=timezone.now())
        return (f"create award {award.pk} of application {app.pk} {award.amount} "
                f"on {award.deliberation_date}")

    def op_award_update(self):
        field = self.choice(["amount", "deliberation_date"])
        values = {"amount": lambda: self.amount(positive=True), "deliberation_date": self.day}
        if self.rng.random() < 0.5:
            award = self.pick(Award.objects.all())
            if award is None:
                return None
            setattr(award, field, values[field]())
            award.save()
            return f"award {award.pk}.save() {field}={getattr(award, field)}"
        ids = self.some(Award.objects.all())
        if not ids:
            return None
        value = values[field]()
        n = Award.objects.filter(pk__in=ids).update(**{field: value})
        return f"awards {ids}.update({field}={value}) -> {n}"

    def op_award_move(self):
        """Give an award to another application (one without an award)."""
        award = self.pick(Award.objects.all())
        app = self.pick(Application.objects.filter(award__isnull=True)) if award else None
        if app is None:
            return None
        Award.objects.filter(pk=award.pk).update(application=app)
        return f"award {award.pk}.update(application={app.pk}) from {award.application_id}"

    def op_award_delete(self):
        award = self.pick(Award.objects.all())
        if award is None:
            return None
        pk = award.pk
        award.delete()
        return f"delete award {pk} of application {award.application_id}"

    def op_organisation_legal_form(self):
        form = self.choice([LegalForm.INFORMAL, LegalForm.ASSOCIATION, LegalForm.SAS])
        if self.rng.random() < 0.5:
            org = Organisation.objects.get(pk=self.choice(self.organisations).pk)
            org.legal_form = form
            org.save()
            return f"organisation {org.pk}.save() legal_form={form}"
        ids = self.rng.sample([o.pk for o in self.organisations], 2)
        n = Organisation.objects.filter(pk__in=ids).update(legal_form=form)
        return f"organisations {ids}.update(legal_form={form}) -> {n}"

    # Running.

    OPERATIONS = {name: weight for name, weight in (
        ("op_convention_create", 2), ("op_convention_save", 2), ("op_convention_update", 2),
        ("op_convention_delete", 1), ("op_tranche_create", 2), ("op_tranche_amount", 2),
        ("op_tranche_move", 2), ("op_tranche_delete", 1), ("op_line_create", 5),
        ("op_line_update", 3), ("op_line_move", 1), ("op_line_delete", 1),
        ("op_payment_create", 6), ("op_payment_mark_paid", 3), ("op_payment_paid_on", 2),
        ("op_payment_cancel", 2), ("op_payment_update", 2), ("op_payment_move", 1),
        ("op_payment_delete", 1),
        ("op_report_create", 2), ("op_report_submit", 2), ("op_report_due", 2),
        ("op_report_delete", 1), ("op_entry_create", 3), ("op_entry_bulk_create", 2),
        ("op_entry_save", 2), ("op_entry_update", 2), ("op_entry_delete", 1),
        ("op_application_create", 3), ("op_application_submit", 2),
        ("op_application_save", 2), ("op_application_update", 2),
        ("op_application_delete", 1), ("op_budget_create", 3), ("op_budget_update", 2),
        ("op_budget_move", 1), ("op_budget_delete", 1), ("op_award_create", 3),
        ("op_award_update", 2), ("op_award_move", 1), ("op_award_delete", 1), ("op_organisation_legal_form", 2),
    )}

    def apply(self, name: str) -> bool:
        description = getattr(self, name)()
        if description:
            self.log.append(f"{len(self.log)}. {description}")
        return bool(description)

    def populate(self) -> None:
        for name, times in (("op_convention_create", 8), ("op_tranche_create", 3),
                            ("op_line_create", 16), ("op_payment_create", 12),
                            ("op_report_create", 5), ("op_application_create", 8),
                            ("op_award_create", 4), ("op_entry_bulk_create", 3)):
            for _ in range(times):
                self.apply(name)

    def run(self, steps: int, *, check_every: int = 0) -> set[str]:
        """Apply ``steps`` random operations, trying first every kind not applied yet (and going
        on a little past ``steps`` until each has been applied once); returns the kinds never
        applied. With ``check_every``, the scorecards and a rebuild are compared with the
        rollups every ``check_every`` operations."""
        pending = list(self.OPERATIONS)
        self.rng.shuffle(pending)
        names, weights = list(self.OPERATIONS), list(self.OPERATIONS.values())
        step = 0
        while step < steps or (pending and step < steps + 50):
            step += 1
            for _attempt in range(50):
                if pending and self.rng.random() < 0.6:
                    name = pending.pop(0)
                    pending.append(name)  # tried again later if it does not apply yet
                else:
                    name = self.rng.choices(names, weights)[0]
                if self.apply(name):
                    if name in pending:
                        pending.remove(name)
                    break
            if check_every and step % check_every == 0:
                self.check()
        return set(pending)

    def check(self) -> None:
        assert_exact(self.log, full=True)


# --- Tests ---------------------------------------------------------------------------------


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_random_changes_keep_the_rollups_exact(seed):
    world = World(seed)
    world.populate()
    assert_exact(world.log, full=True)
    never = world.run(100, check_every=8)
    assert not never, f"operations never applied: {sorted(never)}\n" + "\n".join(world.log)
    assert_exact(world.log, full=True)


def test_rebuild_changes_nothing_and_the_command_checks_and_repairs():
    world = World(7)
    world.populate()
    world.run(40)
    before = rollups.snapshot()
    assert all(before[name] for name in rollups.TABLES), "every rollup should hold rows"
    rollups.rebuild()
    assert rollups.snapshot() == before

    out, err = StringIO(), StringIO()
    call_command("dashboard_rollups", stdout=out, stderr=err)
    assert out.getvalue().strip() == '{"rebuilt": false, "differences": 0}'
    assert err.getvalue() == ""

    # One kept figure goes wrong behind the triggers' back: the check names it and fails.
    with connection.cursor() as cursor:
        cursor.execute("UPDATE dashboard_daycounts SET count = count + 1 WHERE id = "
                       "(SELECT min(id) FROM dashboard_daycounts WHERE count > 0)")
    assert rollups.snapshot() != before
    out, err = StringIO(), StringIO()
    with pytest.raises(CommandError, match=r"^1 écart\(s\) : relancez avec --rebuild\.$"):
        call_command("dashboard_rollups", stdout=out, stderr=err)
    assert json.loads(out.getvalue()) == {"rebuilt": False, "differences": 1}
    assert err.getvalue().startswith("day_counts (")
    assert "tenu" in err.getvalue() and "recalculé" in err.getvalue()

    out = StringIO()
    call_command("dashboard_rollups", "--rebuild", stdout=out)
    assert out.getvalue().strip() == '{"rebuilt": true, "differences": 0}'
    assert rollups.snapshot() == before
    out = StringIO()
    call_command("dashboard_rollups", stdout=out, stderr=StringIO())
    assert out.getvalue().strip() == '{"rebuilt": false, "differences": 0}'

    # Wiping whole rollups (their own triggers follow) is found and repaired as well.
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM dashboard_conventionyearfacts")
        cursor.execute("DELETE FROM dashboard_applicationfacts")
    assert scorecard_differences()
    with pytest.raises(CommandError, match="relancez avec --rebuild"):
        call_command("dashboard_rollups", stdout=StringIO(), stderr=StringIO())
    call_command("dashboard_rollups", "--rebuild", stdout=StringIO())
    assert rollups.snapshot() == before
    assert_exact(world.log, full=True)


def _entries(conv, organisation, volunteer, n, *, date, status, hours="1.5"):
    return [VolunteerEntry(organisation=organisation, volunteer=volunteer, date=date,
                           hours=D(hours), activity="animation", status=status,
                           valuation_method=ValuationMethod.SMIC_GROSS, rate=D("12.02"),
                           value=(D(hours) * D("12.02")).quantize(D("0.01")),
                           convention=conv) for _ in range(n)]


def test_statements_touching_many_rows_at_once():
    log = ["statements on many rows"]
    conv = f.convention(start=dt.date(2026, 1, 1), end=dt.date(2027, 12, 31),
                        status=ConventionStatus.ACTIVE,
                        years={2026: ("60000", None), 2027: ("60000", "61000")})
    tranche = conv.years.get(year=2026)
    # 50 advance lines triggered the same day, in one INSERT.
    lines = ScheduleLine.objects.bulk_create([
        ScheduleLine(year=tranche, position=i, kind=LineKind.ADVANCE, amount=D("100"),
                     trigger_date=dt.date(2026, 3, 1), due_by=dt.date(2026, 4, 30))
        for i in range(1, 51)])
    Payment.objects.bulk_create([
        Payment(line=line, amount=line.amount, ordered_on=dt.date(2026, 3, 2),
                mandate_reference=f"M{line.position}", account="6574",
                status=PaymentStatus.ORDERED) for line in lines])
    log.append("bulk_create 50 advance lines and their 50 ordered payments")
    assert_exact(log, full=True)
    assert ConventionYearFacts.objects.get(convention_id=conv.pk, year=2026).advance_lines == 50

    # 50 payments paid in one UPDATE: the same key of both histograms, 50 times.
    n = (Payment.objects.filter(line__year=tranche)
         .update(status=PaymentStatus.PAID, paid_on=dt.date(2026, 4, 15)))
    assert n == 50
    log.append("update 50 payments: paid on 2026-04-15")
    assert_exact(log, full=True)
    assert DayCounts.objects.get(measure="delay", year=2026, days=45).count == 50
    assert DayCounts.objects.get(measure="advance_day", year=2026, days=105).count == 50
    figures = selectors.scorecard_year(year=2026, today=TODAY)
    assert (figures["paid_count"], figures["on_time_count"]) == (50, 50)
    assert (figures["advance_count"], figures["advance_median_day"]) == (1, 105)

    Payment.objects.filter(line__year=tranche).update(paid_on=dt.date(2026, 6, 1))
    log.append("update 50 payments: paid_on 2026-06-01")
    assert_exact(log, full=True)
    assert DayCounts.objects.get(measure="delay", year=2026, days=45).count == 0
    assert DayCounts.objects.get(measure="delay", year=2026, days=92).count == 50
    Payment.objects.filter(line__year=tranche, line__position__lte=25).update(
        status=PaymentStatus.CANCELLED)
    ScheduleLine.objects.filter(year=tranche).update(trigger_date=dt.date(2026, 5, 1))
    log.append("cancel 25 payments, then move the 50 lines' trigger date to 2026-05-01")
    assert_exact(log, full=True)
    assert DayCounts.objects.get(measure="delay", year=2026, days=31).count == 25
    ConventionYear.objects.filter(pk=tranche.pk).update(year=2025)
    log.append("move the tranche to 2025")
    assert_exact(log, full=True)
    assert DayCounts.objects.get(measure="advance_day", year=2026, days=152).count == 0
    ConventionYear.objects.filter(pk=tranche.pk).update(year=2026)
    log.append("move the tranche back to 2026")
    assert_exact(log, full=True)
    assert DayCounts.objects.get(measure="advance_day", year=2026, days=152).count == 25
    Payment.objects.filter(line__year=tranche).delete()
    log.append("delete the 50 payments")
    assert_exact(log, full=True)
    assert not DayCounts.objects.filter(count__gt=0).exists()

    # 200 volunteer entries in one INSERT, over two conventions, two years and all statuses.
    other = f.convention(start=dt.date(2026, 1, 1), end=dt.date(2026, 12, 31),
                         status=ConventionStatus.SIGNED, years={2026: ("5000", None)})
    organisation = conv.organisation
    volunteer = Volunteer.objects.create(organisation=organisation, name="Anne B.")
    created = VolunteerEntry.objects.bulk_create(
        _entries(conv, organisation, volunteer, 60, date=dt.date(2027, 2, 1),
                 status=EntryStatus.VALIDATED)
        + _entries(other, organisation, volunteer, 60, date=dt.date(2026, 5, 1),
                   status=EntryStatus.LOCKED)
        + _entries(conv, organisation, volunteer, 40, date=dt.date(2026, 5, 1),
                   status=EntryStatus.VALIDATED)
        + _entries(other, organisation, volunteer, 40, date=dt.date(2026, 7, 1),
                   status=EntryStatus.DRAFT))
    assert len(created) == 200
    log.append("bulk_create 200 entries")
    assert_exact(log, full=True)
    assert selectors.scorecard_year(year=2026, today=TODAY)["volunteer_hours"] == D("150.00")
    assert selectors.scorecard_year(year=2027, today=TODAY)["volunteer_hours"] == D("90.00")
    assert ConventionYearFacts.objects.get(convention_id=conv.pk,
                                           year=2026).volunteer_hours == D("60.00")

    VolunteerEntry.objects.filter(status=EntryStatus.DRAFT).update(status=EntryStatus.VALIDATED)
    VolunteerEntry.objects.filter(convention=conv).update(convention=other)
    log.append("validate the drafts, move conv's entries to the other convention")
    assert_exact(log, full=True)
    assert selectors.scorecard_year(year=2026, today=TODAY)["volunteer_hours"] == D("210.00")
    Convention.objects.filter(pk__in=[conv.pk, other.pk]).update(status=ConventionStatus.DRAFT)
    log.append("both conventions back to draft")
    assert_exact(log, full=True)
    assert selectors.scorecard_year(year=2026, today=TODAY)["volunteer_hours"] == D("0.00")
    Convention.objects.filter(pk__in=[conv.pk, other.pk]).update(
        status=ConventionStatus.CLOSED)
    VolunteerEntry.objects.filter(pk__in=[e.pk for e in created[::2]]).delete()
    log.append("both conventions closed, every other entry deleted")
    assert_exact(log, full=True)
    assert selectors.scorecard_year(year=2026, today=TODAY)["volunteer_hours"] == D("105.00")

    # Once their entries are gone, deleting both conventions leaves no facts behind.
    VolunteerEntry.objects.filter(convention__in=[conv, other]).delete()
    ScheduleLine.objects.filter(year__convention__in=[conv, other]).delete()
    FinancialReport.objects.filter(year__convention__in=[conv, other]).delete()
    ConventionYear.objects.filter(convention__in=[conv, other]).delete()   # money is PROTECTed
    Convention.objects.filter(pk__in=[conv.pk, other.pk]).delete()
    log.append("delete the entries, the lines and both conventions")
    assert_exact(log, full=True)
    assert not ConventionYearFacts.objects.filter(convention_id__in=[conv.pk, other.pk]).exists()

    # 30 applications of one organisation submitted at once, then all made informal.
    org = OrganisationFactory()
    user = UserFactory()
    call = CallFactory(fund=FundFactory(year_start=2026, year_end=2026))
    Application.objects.bulk_create([
        Application(call=call, organisation=org, applicant=user, title="Projet",
                    status=ApplicationStatus.DRAFT,
                    submitted_at=dt.datetime(2026, 1, 1 + i, 10, tzinfo=UTC))
        for i in range(30)])
    Application.objects.filter(organisation=org).update(status=ApplicationStatus.SUBMITTED)
    log.append("bulk_create 30 draft applications of one organisation, submit all at once")
    assert_exact(log, full=True)
    figures = selectors.scorecard_year(year=2026, today=TODAY)
    assert (figures["applications_count"], figures["newcomer_count"]) == (30, 1)
    Organisation.objects.filter(pk=org.pk).update(legal_form=LegalForm.INFORMAL)
    log.append("the organisation becomes an informal group")
    assert_exact(log, full=True)
    assert selectors.scorecard_year(year=2026, today=TODAY)["newcomer_count"] == 30
