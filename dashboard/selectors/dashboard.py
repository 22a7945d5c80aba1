"""Reads of the dashboard page: money per fund, alerts, calls by phase, chart data."""

from __future__ import annotations

import datetime as dt

from django.db.models import Count, Exists, F, OuterRef, Q, Sum
from django.db.models.functions import ExtractMonth

from backoffice.core.choices import Nature
from conventions.models import (
    Convention,
    ConventionYear,
    FinancialReport,
    Payment,
    PaymentStatus,
    ScheduleLine,
)
from funds.models import Award, Call, CallPhase, Fund

from .. import rules
from ..expressions import DaysBetween
from ._common import (
    COMMITTED,
    LIVE,
    REPORT_OPEN,
    ZERO,
    _cents,
    _money,
    _year_amount,
)

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
    was created from; conventions without an award are under key None. 2 GROUP BY queries."""
    confirmed = {row["fund"]: _cents(row["total"]) for row in (
        ConventionYear.objects.filter(year=year)
        .values(fund=F("convention__award__fund"))
        .annotate(total=Sum("confirmed_amount", filter=Q(
            confirmed_amount__isnull=False, convention__status__in=COMMITTED)))
        .order_by())}
    paid = {row["fund"]: _cents(row["total"]) for row in (
        Payment.objects.filter(status=PaymentStatus.PAID,
                               paid_on__range=(dt.date(year, 1, 1), dt.date(year, 12, 31)))
        .values(fund=F("line__year__convention__award__fund"))
        .annotate(total=Sum("amount"))
        .order_by())}
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


