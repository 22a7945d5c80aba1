"""Aggregate reads of the dashboard and the pact scorecard.

Every figure is one aggregate query (conditional aggregation, GROUP BY, percentile_cont on
PostgreSQL): the number of queries does not depend on the amount of data. On SQLite (demo only)
percentiles are computed by ``rules.percentile`` from one ordered column, same definition.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db import connection
from django.db.models import (
    Count,
    DecimalField,
    Exists,
    F,
    OuterRef,
    Q,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce, ExtractMonth, ExtractYear, TruncDate

from backoffice.core.choices import Nature
from backoffice.core.models import LegalForm
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
from funds.models import (
    Application,
    ApplicationBudgetLine,
    ApplicationStatus,
    Award,
    Call,
    CallPhase,
    Fund,
)
from volunteering.models import EntryStatus, VolunteerEntry

from . import rules
from .expressions import DayOfYear, DaysBetween, PercentileCont

ZERO = Decimal("0.00")
MONEY = DecimalField(max_digits=14, decimal_places=2)
# A convention counts once signed: drafts and conventions waiting for signature commit nothing.
COMMITTED = (ConventionStatus.SIGNED, ConventionStatus.ACTIVE, ConventionStatus.CLOSED,
             ConventionStatus.TERMINATED)
LIVE = (ConventionStatus.SIGNED, ConventionStatus.ACTIVE)
REPORT_OPEN = (ReportStatus.EXPECTED, ReportStatus.CHANGES_REQUESTED)
SUBMITTED_STATUSES = [s for s in ApplicationStatus.values if s != ApplicationStatus.DRAFT]
DECIDED = (ApplicationStatus.AWARDED, ApplicationStatus.REJECTED)
OWN_RESOURCE_ACCOUNTS = ("70", "73", "75", "76", "77", "78")
IN_KIND_RESOURCE_ACCOUNTS = ("870", "871", "875")
VOLUNTEERING_RESOURCE = "870"


def _money(expression) -> Coalesce:
    return Coalesce(expression, Value(ZERO), output_field=MONEY)


def _cents(value) -> Decimal:
    # SQLite sums decimals through floats; PostgreSQL is exact. Always hand out cents.
    return Decimal(str(value if value is not None else 0)).quantize(Decimal("0.01"))


def _percentiles(queryset, expression, fractions=(0.5, 0.9)) -> list[float | None]:
    """Percentiles of ``expression`` over ``queryset`` in one query."""
    if connection.vendor == "postgresql":
        result = queryset.aggregate(**{f"p{i}": PercentileCont(expression, q)
                                       for i, q in enumerate(fractions)})
        return [result[f"p{i}"] for i in range(len(fractions))]
    values = list(queryset.annotate(_value=expression).order_by()
                  .values_list("_value", flat=True))
    return [rules.percentile([v for v in values if v is not None], q) for q in fractions]


def _year_amount():
    return Coalesce(F("confirmed_amount"), F("planned_amount"), output_field=MONEY)


# --- Dashboard ---------------------------------------------------------------------------


def fund_rows(*, year: int) -> tuple[list[dict], dict]:
    """Funds open in ``year``: envelope, awarded (all awards of the fund), confirmed and paid in
    the year on the conventions built from its awards, remaining; and the totals, where
    conventions made outside any fund add to confirmed and paid. 3 queries."""
    funds = list(Fund.objects.filter(year_start__lte=year, year_end__gte=year)
                 .annotate(awarded=_money(Sum("awards__amount")),
                           awards_count=Count("awards"))
                 .order_by("name").values("pk", "name", "envelope", "awarded", "awards_count"))
    confirmed, paid = _convention_money_by_fund(year=year)
    rows = []
    for fund in funds:
        rows.append({
            "pk": fund["pk"], "name": fund["name"], "envelope": _cents(fund["envelope"]),
            "awarded": _cents(fund["awarded"]), "awards_count": fund["awards_count"],
            "confirmed": confirmed.get(fund["pk"], ZERO), "paid": paid.get(fund["pk"], ZERO),
            "remaining": rules.remaining(_cents(fund["envelope"]), _cents(fund["awarded"])),
        })
    totals = {key: sum((row[key] for row in rows), ZERO)
              for key in ("envelope", "awarded", "remaining")}
    totals["confirmed"] = sum(confirmed.values(), ZERO)
    totals["paid"] = sum(paid.values(), ZERO)
    totals["outside_confirmed"] = confirmed.get(None, ZERO)
    totals["outside_paid"] = paid.get(None, ZERO)
    return rows, totals


def _convention_money_by_fund(*, year: int) -> tuple[dict, dict]:
    """Confirmed and paid amounts of ``year`` grouped by the fund of the award each convention
    comes from (matched on the deliberation reference and the organisation, the two facts an
    award hands to its convention); conventions made outside any fund are under key None.
    Two GROUP BY queries joined to a de-duplicated award map (hash join, no per-row subquery)."""
    tables = {
        "award": Award._meta.db_table, "application": Application._meta.db_table,
        "year": ConventionYear._meta.db_table, "convention": Convention._meta.db_table,
        "line": ScheduleLine._meta.db_table, "payment": Payment._meta.db_table,
    }
    award_map = (
        "SELECT a.deliberation_reference AS ref, ap.organisation_id AS org, "
        "MIN(a.fund_id) AS fund_id FROM {award} a JOIN {application} ap "
        "ON ap.id = a.application_id GROUP BY a.deliberation_reference, ap.organisation_id"
    ).format(**tables)
    statuses = list(COMMITTED)
    placeholders = ", ".join(["%s"] * len(statuses))
    confirmed_sql = (
        f"SELECT af.fund_id, SUM(cy.confirmed_amount) FROM {tables['year']} cy "
        f"JOIN {tables['convention']} c ON c.id = cy.convention_id "
        f"LEFT JOIN ({award_map}) af ON af.ref = c.decision_reference "
        f"AND af.org = c.organisation_id "
        f"WHERE cy.year = %s AND cy.confirmed_amount IS NOT NULL AND c.status IN ({placeholders}) "
        f"GROUP BY af.fund_id")
    paid_sql = (
        f"SELECT af.fund_id, SUM(p.amount) FROM {tables['payment']} p "
        f"JOIN {tables['line']} l ON l.id = p.line_id "
        f"JOIN {tables['year']} cy ON cy.id = l.year_id "
        f"JOIN {tables['convention']} c ON c.id = cy.convention_id "
        f"LEFT JOIN ({award_map}) af ON af.ref = c.decision_reference "
        f"AND af.org = c.organisation_id "
        f"WHERE p.status = %s AND p.paid_on BETWEEN %s AND %s GROUP BY af.fund_id")
    with connection.cursor() as cursor:
        cursor.execute(confirmed_sql, [year, *statuses])
        confirmed = {fund_id: _cents(total) for fund_id, total in cursor.fetchall()}
        cursor.execute(paid_sql, [PaymentStatus.PAID, dt.date(year, 1, 1), dt.date(year, 12, 31)])
        paid = {fund_id: _cents(total) for fund_id, total in cursor.fetchall()}
    return confirmed, paid


def _unpaid_lines():
    """Schedule lines of live conventions with a trigger and no paid payment yet."""
    paid = Payment.objects.filter(line=OuterRef("pk"), status=PaymentStatus.PAID)
    return (ScheduleLine.objects.filter(year__convention__status__in=LIVE, due_by__isnull=False)
            .filter(~Exists(paid)))


def alerts(*, today: dt.date) -> dict:
    """Payments due this month and late, reports due in the next 60 days and overdue,
    conventions ending within 6 months. 3 queries."""
    first, last = rules.month_bounds(today)
    payments = _unpaid_lines().aggregate(
        due_month_count=Count("pk", filter=Q(due_by__range=(max(first, today), last))),
        due_month_amount=_money(Sum("amount", filter=Q(due_by__range=(max(first, today), last)))),
        late_count=Count("pk", filter=Q(due_by__lt=today)),
        late_amount=_money(Sum("amount", filter=Q(due_by__lt=today))),
    )
    reports = FinancialReport.objects.filter(status__in=REPORT_OPEN).aggregate(
        due_count=Count("pk", filter=Q(due_date__range=(today, today + dt.timedelta(days=60)))),
        overdue_count=Count("pk", filter=Q(due_date__lt=today)),
    )
    ending = Convention.objects.filter(
        status__in=LIVE, end_date__range=(today, rules.add_months(today, 6))).aggregate(
        count=Count("pk"), )
    return {
        "due_month_count": payments["due_month_count"],
        "due_month_amount": _cents(payments["due_month_amount"]),
        "late_count": payments["late_count"], "late_amount": _cents(payments["late_amount"]),
        "reports_due_count": reports["due_count"], "reports_overdue_count": reports["overdue_count"],
        "ending_count": ending["count"], "month_first": first, "month_last": last,
        "ending_until": rules.add_months(today, 6),
    }


def calls_by_phase() -> list[dict]:
    """Number of calls in each phase, every phase listed (0 included). 1 query."""
    counts = dict(Call.objects.order_by().values_list("phase").annotate(n=Count("pk")))
    return [{"phase": value, "label": label, "count": counts.get(value, 0)}
            for value, label in CallPhase.choices]


def monthly_payments(*, year: int) -> list[dict]:
    """Per month of ``year``: amount paid (payments by paid_on) and amount due (schedule lines by
    their due_by date). 2 queries."""
    paid = dict(Payment.objects.filter(status=PaymentStatus.PAID, paid_on__year=year)
                .annotate(month=ExtractMonth("paid_on")).order_by()
                .values_list("month").annotate(total=Sum("amount")))
    due = dict(ScheduleLine.objects.filter(year__convention__status__in=COMMITTED,
                                           due_by__year=year)
               .annotate(month=ExtractMonth("due_by")).order_by()
               .values_list("month").annotate(total=Sum("amount")))
    return [{"month": m, "paid": _cents(paid.get(m)), "due": _cents(due.get(m))}
            for m in range(1, 13)]


def awarded_by_nature(*, year: int) -> list[dict]:
    """Per nature, every nature listed: amounts awarded in ``year`` (deliberation date) and the
    year's convention tranches (confirmed, else planned). 2 queries."""
    awarded = dict(Award.objects.filter(deliberation_date__year=year).order_by()
                   .values_list("nature").annotate(total=Sum("amount")))
    tranches = dict(ConventionYear.objects.filter(year=year, convention__status__in=COMMITTED)
                    .annotate(amount=_year_amount()).order_by()
                    .values_list("convention__nature").annotate(total=Sum("amount")))
    return [{"nature": value, "label": str(label), "amount": _cents(awarded.get(value)),
             "tranches": _cents(tranches.get(value))}
            for value, label in Nature.choices]


def _paid_with_delay(*, year: int):
    return (Payment.objects.filter(status=PaymentStatus.PAID, paid_on__year=year,
                                   line__trigger_date__isnull=False)
            .annotate(delay=DaysBetween(F("paid_on"), F("line__trigger_date"))))


def delay_distribution(*, year: int) -> list[dict]:
    """Payments paid in ``year`` by delay bucket (delay = paid_on − trigger_date). 1 query."""
    aggregates = {}
    for index, (_label, low, high) in enumerate(rules.DELAY_BUCKETS):
        condition = Q() if index == 0 else Q(delay__gte=low)
        if high is not None:
            condition &= Q(delay__lte=high)
        aggregates[f"b{index}"] = Count("pk", filter=condition)
    counts = _paid_with_delay(year=year).aggregate(**aggregates)
    return [{"label": label, "count": counts[f"b{i}"], "late": low > rules.PAYMENT_LIMIT_DAYS}
            for i, (label, low, _high) in enumerate(rules.DELAY_BUCKETS)]


def dashboard(*, year: int, today: dt.date) -> dict:
    """Everything the dashboard page shows, in a constant number of queries."""
    rows, totals = fund_rows(year=year)
    return {
        "year": year, "today": today, "funds": rows, "totals": totals,
        "alerts": alerts(today=today), "phases": calls_by_phase(),
        "monthly": monthly_payments(year=year), "natures": awarded_by_nature(year=year),
        "delays": delay_distribution(year=year),
    }


# --- Pact scorecard ----------------------------------------------------------------------


def _multi_year(year: int) -> dict:
    """Share of the year's funding (€, confirmed or else planned) under multi-year conventions,
    and the number of multi-year conventions (CPO) with a tranche that year. 1 query."""
    spans = ExtractYear("convention__end_date") - ExtractYear("convention__start_date")
    result = (ConventionYear.objects.filter(year=year, convention__status__in=COMMITTED)
              .annotate(amount=_year_amount(), span=spans)
              .aggregate(total=_money(Sum("amount")),
                         multi=_money(Sum("amount", filter=Q(span__gte=1))),
                         cpo=Count("convention", filter=Q(span__gte=1), distinct=True)))
    total, multi = _cents(result["total"]), _cents(result["multi"])
    return {"funding_total": total, "multi_year_amount": multi,
            "multi_year_share": rules.share(multi, total), "cpo_count": result["cpo"]}


def _advances(year: int) -> dict:
    """Share of the year's tranches whose schedule starts with an advance, and the median day of
    the year advances were paid. 2 queries."""
    advance = ScheduleLine.objects.filter(year=OuterRef("pk"), kind=LineKind.ADVANCE,
                                          amount__gt=0)
    result = (ConventionYear.objects.filter(year=year, convention__status__in=COMMITTED)
              .aggregate(n=Count("pk"), with_advance=Count("pk", filter=Q(Exists(advance)))))
    paid = Payment.objects.filter(status=PaymentStatus.PAID, line__kind=LineKind.ADVANCE,
                                  line__year__year=year, paid_on__year=year)
    (median_day,) = _percentiles(paid, DayOfYear(F("paid_on")), (0.5,))
    return {"years_count": result["n"], "advance_count": result["with_advance"],
            "advance_share": rules.share(result["with_advance"], result["n"]),
            "advance_median_day": round(median_day) if median_day is not None else None}


def _delays(year: int) -> dict:
    """Median and 90th percentile payment delay, share paid within 60 days. 1–2 queries."""
    qs = _paid_with_delay(year=year)
    counts = qs.aggregate(n=Count("pk"),
                          on_time=Count("pk", filter=Q(delay__lte=rules.PAYMENT_LIMIT_DAYS)))
    p50, p90 = _percentiles(qs, F("delay")) if counts["n"] else (None, None)
    return {"paid_count": counts["n"], "on_time_count": counts["on_time"],
            "on_time_share": rules.share(counts["on_time"], counts["n"]),
            "delay_median": p50, "delay_p90": p90}


def _natures(year: int) -> dict:
    """The year's funding (€) by nature of the convention. 1 query."""
    aggregates = {value: _money(Sum("amount", filter=Q(convention__nature=value)))
                  for value in Nature.values}
    result = (ConventionYear.objects.filter(year=year, convention__status__in=COMMITTED)
              .annotate(amount=_year_amount()).aggregate(total=_money(Sum("amount")), **aggregates))
    total = _cents(result["total"])
    operating = _cents(result[Nature.OPERATING]) + _cents(result[Nature.ENGINEERING])
    return {"nature_total": total,
            "operating_engineering_amount": operating,
            "operating_engineering_share": rules.share(operating, total),
            "project_share": rules.share(_cents(result[Nature.PROJECT]), total),
            "investment_amount": _cents(result[Nature.INVESTMENT]),
            "investment_share": rules.share(_cents(result[Nature.INVESTMENT]), total)}


def _citizen_fund(year: int) -> dict:
    """Funds open in ``year``: envelope; applications submitted in the year; awards decided in
    the year; share of applicants that were first-time (no earlier submitted application of the
    same organisation) or informal (collective, or a resident applying alone); median days from
    submission to the deliberation. 4 queries."""
    envelope = Fund.objects.filter(year_start__lte=year, year_end__gte=year).aggregate(
        total=_money(Sum("envelope")))["total"]
    earlier = Application.objects.filter(
        organisation=OuterRef("organisation"), status__in=SUBMITTED_STATUSES,
        submitted_at__lt=OuterRef("submitted_at"))
    submitted = Application.objects.filter(status__in=SUBMITTED_STATUSES,
                                           submitted_at__year=year)
    # Individuals (no organisation) and informal collectives count as informal.
    apps = submitted.aggregate(n=Count("pk"), newcomers=Count("pk", filter=(
        Q(organisation__isnull=True) | ~Q(Exists(earlier))
        | Q(organisation__legal_form=LegalForm.INFORMAL))))
    awards = Award.objects.filter(deliberation_date__year=year).aggregate(
        n=Count("pk"), total=_money(Sum("amount")))
    decided = Award.objects.filter(deliberation_date__year=year,
                                   application__submitted_at__isnull=False)
    (median_days,) = _percentiles(
        decided, DaysBetween(F("deliberation_date"), TruncDate("application__submitted_at")),
        (0.5,))
    return {"envelope": _cents(envelope), "applications_count": apps["n"],
            "newcomer_count": apps["newcomers"],
            "newcomer_share": rules.share(apps["newcomers"], apps["n"]),
            "awards_count": awards["n"], "awarded_amount": _cents(awards["total"]),
            "decision_median_days": median_days}


def _cofinancing(year: int) -> dict:
    """Share of projects funded in ``year`` whose budget has at least one other funder (a 74
    line not asked from this authority, with an amount). 1 query."""
    other = ApplicationBudgetLine.objects.filter(
        application=OuterRef("application"), account="74", is_this_authority=False, amount__gt=0)
    result = Award.objects.filter(deliberation_date__year=year).aggregate(
        n=Count("pk"), cofinanced=Count("pk", filter=Q(Exists(other))))
    return {"funded_count": result["n"], "cofinanced_count": result["cofinanced"],
            "cofinanced_share": rules.share(result["cofinanced"], result["n"])}


def _volunteering(year: int) -> dict:
    """Valued volunteering of ``year``: hours and € of counted entries (validated or locked) of
    organisations holding a convention tranche that year; and, in the budgets of the projects
    funded that year, the volunteering line (870) against total self-financing (own resources
    70, 73, 75–78 plus contributions in kind 87x). 2 queries."""
    funded = ConventionYear.objects.filter(
        year=year, convention__status__in=COMMITTED,
        convention__organisation=OuterRef("organisation"))
    logged = (VolunteerEntry.objects.filter(status__in=(EntryStatus.VALIDATED, EntryStatus.LOCKED),
                                            date__year=year)
              .filter(Exists(funded))
              .aggregate(hours=_money(Sum("hours")), value=_money(Sum("value"))))
    budget = ApplicationBudgetLine.objects.filter(
        application__award__deliberation_date__year=year).aggregate(
        volunteering=_money(Sum("amount", filter=Q(account=VOLUNTEERING_RESOURCE))),
        self_financing=_money(Sum("amount", filter=Q(
            account__in=OWN_RESOURCE_ACCOUNTS + IN_KIND_RESOURCE_ACCOUNTS))))
    volunteering, self_financing = _cents(budget["volunteering"]), _cents(budget["self_financing"])
    return {"volunteer_hours": _cents(logged["hours"]), "volunteer_value": _cents(logged["value"]),
            "budget_volunteering": volunteering, "self_financing": self_financing,
            "volunteering_share": rules.share(volunteering, self_financing)}


def _reports(year: int, today: dt.date) -> dict:
    """Financial reports due in ``year`` whose due date has passed (or already filed): how many
    were filed on or before the due date. 1 query."""
    result = (FinancialReport.objects.filter(due_date__year=year)
              .filter(Q(due_date__lt=today) | Q(submitted_on__isnull=False))
              .aggregate(n=Count("pk"),
                         on_time=Count("pk", filter=Q(submitted_on__lte=F("due_date")))))
    return {"reports_count": result["n"], "reports_on_time": result["on_time"],
            "reports_on_time_share": rules.share(result["on_time"], result["n"])}


def scorecard_year(*, year: int, today: dt.date) -> dict:
    """All the pact's figures for one year (about 14 queries, whatever the data size)."""
    figures = {"year": year}
    for part in (_multi_year(year), _advances(year), _delays(year), _natures(year),
                 _citizen_fund(year), _cofinancing(year), _volunteering(year),
                 _reports(year, today)):
        figures.update(part)
    return figures


def scorecard(*, year: int, today: dt.date, previous_years: int = 2) -> list[dict]:
    """The chosen year first, then the previous years (for the trend columns)."""
    return [scorecard_year(year=y, today=today)
            for y in range(year, year - previous_years - 1, -1)]

