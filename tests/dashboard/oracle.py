"""The test oracle of the pact scorecard: every figure computed by the ORM straight from the
source rows (conventions, tranches, payments, reports, applications, awards, volunteer entries).

Production reads the same figures from the rollups kept by PostgreSQL triggers (dashboard
migration 0002, ``dashboard.selectors.scorecard``). This module is the independent second
computation the tests compare them with, on hand-made and random data; it is not shipped.
Every function takes the ``authority`` whose figures it computes (None: the whole deployment):
a convention's figures (tranches, payments, reports, volunteering) are its authority's, an
application's and its award's are the authority of its call's fund.
Percentiles: PostgreSQL ``percentile_cont`` (``PercentileCont``), or ``rules.percentile`` (the
same definition) on SQLite.
"""

from __future__ import annotations

import datetime as dt

from django.db import connection
from django.db.models import (
    Aggregate,
    Count,
    Exists,
    F,
    FloatField,
    Func,
    IntegerField,
    OuterRef,
    Q,
    Sum,
)
from django.db.models.functions import ExtractYear, TruncDate

from backoffice.core.choices import Nature
from backoffice.core.models import LegalForm
from conventions.models import (
    ConventionYear,
    FinancialReport,
    LineKind,
    Payment,
    PaymentStatus,
    ScheduleLine,
)
from dashboard import rules
from dashboard.expressions import DaysBetween
from dashboard.selectors._common import (
    COMMITTED,
    IN_KIND_RESOURCE_ACCOUNTS,
    OWN_RESOURCE_ACCOUNTS,
    SUBMITTED_STATUSES,
    VOLUNTEERING_RESOURCE,
    _cents,
    _money,
    _year_amount,
)
from dashboard.selectors.scorecard import (
    _citizen_figures,
    _envelopes,
    _per_year,
    _volunteering,
    assemble,
)
from funds.models import Application, ApplicationBudgetLine, Award
from volunteering.models import EntryStatus, VolunteerEntry


class DayOfYear(Func):
    """1 for 1 January … 365/366 for 31 December."""

    output_field = IntegerField()
    arity = 1

    def as_sql(self, compiler, connection, **extra):
        sql, params = compiler.compile(self.source_expressions[0])
        return f"CAST(EXTRACT(DOY FROM {sql}) AS INTEGER)", params

    def as_sqlite(self, compiler, connection, **extra):
        sql, params = compiler.compile(self.source_expressions[0])
        return f"CAST(strftime('%%j', {sql}) AS INTEGER)", params


class PercentileCont(Aggregate):
    """PostgreSQL ``percentile_cont(q) WITHIN GROUP (ORDER BY expr)``: linear interpolation,
    the same definition as ``dashboard.rules.percentile`` (used on SQLite)."""

    function = "percentile_cont"
    name = "PercentileCont"
    template = "%(function)s(%(fraction)s) WITHIN GROUP (ORDER BY %(expressions)s)"
    output_field = FloatField()

    def __init__(self, expression, fraction: float, **extra):
        if not 0 <= fraction <= 1:
            raise ValueError("fraction must be between 0 and 1")
        super().__init__(expression, fraction=repr(float(fraction)), **extra)


def _by_year(queryset, year, **aggregates) -> dict:
    """{year: {name: aggregate}} in one GROUP BY query (a row per year present)."""
    return {row["_year"]: row for row in (queryset.annotate(_year=year).order_by()
                                          .values("_year").annotate(**aggregates))}


def _percentiles_by_year(queryset, expression, group, years, fractions) -> dict:
    """{(year, fraction): value} of ``expression`` per ``group`` year, in one GROUP BY query
    (one output row per year, whatever the number of rows)."""
    queryset = queryset.annotate(_group=group, _value=expression).order_by()
    if connection.vendor == "postgresql":
        names = [f"p{i}" for i in range(len(fractions))]
        rows = (queryset.values("_group")
                .annotate(**{n: PercentileCont("_value", q) for n, q in zip(names, fractions,
                                                                             strict=True)})
                .values_list("_group", *names))
        found = {(row[0], q): row[i + 1] for row in rows for i, q in enumerate(fractions)}
        return {(y, q): found.get((y, q)) for y in years for q in fractions}
    pairs = list(queryset.values_list("_group", "_value"))
    return {(y, q): rules.percentile([v for g, v in pairs if g == y and v is not None], q)
            for y in years for q in fractions}


def _of(authority, path: str) -> dict:
    """The filter on ``path`` (a lookup reaching an authority) for ``authority``; None: none."""
    return {} if authority is None else {path: authority}


def _tranches(years, authority=None) -> dict:
    """Per year: the tranches' funding (€, confirmed else planned) of signed conventions, the
    part under multi-year conventions, the number of CPOs and of tranches, and the funding by
    nature. 1 query."""
    spans = ExtractYear("convention__end_date") - ExtractYear("convention__start_date")

    def build(y):
        aggregates = {
            "total": _money(Sum("amount", filter=Q(year=y))),
            "multi": _money(Sum("amount", filter=Q(year=y, span__gte=1))),
            "cpo": Count("convention", filter=Q(year=y, span__gte=1), distinct=True),
            "n": Count("pk", filter=Q(year=y)),
        }
        for value in Nature.values:
            aggregates[value] = _money(Sum("amount", filter=Q(year=y, convention__nature=value)))
        return aggregates

    result = (ConventionYear.objects.filter(year__in=years, convention__status__in=COMMITTED,
                                            **_of(authority, "convention__authority"))
              .annotate(amount=_year_amount(), span=spans).aggregate(**_per_year(years, build)))
    out = {}
    for y in years:
        total, multi = _cents(result[f"total_{y}"]), _cents(result[f"multi_{y}"])
        by_nature = {value: _cents(result[f"{value}_{y}"]) for value in Nature.values}
        operating = by_nature[Nature.OPERATING] + by_nature[Nature.ENGINEERING]
        out[y] = {
            "funding_total": total, "multi_year_amount": multi,
            "multi_year_share": rules.share(multi, total), "cpo_count": result[f"cpo_{y}"],
            "years_count": result[f"n_{y}"],
            "nature_total": total, "operating_engineering_amount": operating,
            "operating_engineering_share": rules.share(operating, total),
            "project_share": rules.share(by_nature[Nature.PROJECT], total),
            "investment_amount": by_nature[Nature.INVESTMENT],
            "investment_share": rules.share(by_nature[Nature.INVESTMENT], total),
        }
    return out


def _advances(years, tranches: dict, authority=None) -> dict:
    """Per year: share of the tranches whose schedule has an advance, and the median day of the
    year advances were paid. 2 queries."""
    counts = (ScheduleLine.objects.filter(kind=LineKind.ADVANCE, amount__gt=0,
                                          year__year__in=years,
                                          year__convention__status__in=COMMITTED,
                                          **_of(authority, "year__convention__authority"))
              .aggregate(**_per_year(years, lambda y: {
                  "with": Count("year", filter=Q(year__year=y), distinct=True)})))
    paid = Payment.objects.filter(status=PaymentStatus.PAID, line__kind=LineKind.ADVANCE,
                                  line__year__year__in=years,
                                  paid_on__year=F("line__year__year"),
                                  **_of(authority, "line__year__convention__authority"))
    medians = _percentiles_by_year(paid, DayOfYear(F("paid_on")), F("line__year__year"),
                                   years, (0.5,))
    out = {}
    for y in years:
        n, with_advance = tranches[y]["years_count"], counts[f"with_{y}"]
        median_day = medians[(y, 0.5)]
        out[y] = {"advance_count": with_advance, "advance_share": rules.share(with_advance, n),
                  "advance_median_day": round(median_day) if median_day is not None else None}
    return out


def _delays(years, authority=None) -> dict:
    """Per year: median and 90th percentile payment delay, share paid within 60 days (delay =
    paid_on − trigger_date; day 60 on time, day 61 late). 1 GROUP BY query on PostgreSQL."""
    qs = (Payment.objects.filter(status=PaymentStatus.PAID, paid_on__year__gte=min(years),
                                 paid_on__year__lte=max(years), line__trigger_date__isnull=False,
                                 **_of(authority, "line__year__convention__authority"))
          .annotate(delay=DaysBetween(F("paid_on"), F("line__trigger_date")),
                    paid_year=ExtractYear("paid_on")))
    aggregates = {"n": Count("pk"),
                  "on_time": Count("pk", filter=Q(delay__lte=rules.PAYMENT_LIMIT_DAYS))}
    if connection.vendor == "postgresql":
        aggregates.update(p50=PercentileCont("delay", 0.5), p90=PercentileCont("delay", 0.9))
    rows = {row["paid_year"]: row
            for row in qs.order_by().values("paid_year").annotate(**aggregates)}
    if connection.vendor != "postgresql":
        percentiles = _percentiles_by_year(qs, F("delay"), F("paid_year"), years, (0.5, 0.9))
        for y, row in rows.items():
            row["p50"], row["p90"] = percentiles[(y, 0.5)], percentiles[(y, 0.9)]
    out = {}
    for y in years:
        row = rows.get(y, {"n": 0, "on_time": 0, "p50": None, "p90": None})
        out[y] = {"paid_count": row["n"], "on_time_count": row["on_time"],
                  "on_time_share": rules.share(row["on_time"], row["n"]),
                  "delay_median": row["p50"], "delay_p90": row["p90"]}
    return out


def _citizen_fund(years, authority=None) -> dict:
    """Per year: envelope of the funds open that year; applications submitted that year and the
    share of applicants that were first-time (no earlier submitted application of the same
    organisation) or informal (collective, or a resident applying alone); awards decided that
    year, their amount, the share co-financed (a 74 line of another funder with an amount) and
    the median days from submission to the deliberation. 2 queries."""
    earlier = Application.objects.filter(
        organisation=OuterRef("organisation"), status__in=SUBMITTED_STATUSES,
        submitted_at__lt=OuterRef("submitted_at"))
    newcomer = (Q(organisation__isnull=True) | ~Q(Exists(earlier))
                | Q(organisation__legal_form=LegalForm.INFORMAL))
    apps = _by_year(
        Application.objects.filter(status__in=SUBMITTED_STATUSES,
                                   submitted_at__year__gte=min(years),
                                   submitted_at__year__lte=max(years),
                                   **_of(authority, "call__fund__authority")),
        ExtractYear("submitted_at"), n=Count("pk"), new=Count("pk", filter=newcomer))
    other_funder = ApplicationBudgetLine.objects.filter(
        application=OuterRef("application"), account="74", is_this_authority=False, amount__gt=0)
    awards_qs = Award.objects.filter(deliberation_date__year__gte=min(years),
                                     deliberation_date__year__lte=max(years),
                                     **_of(authority, "application__call__fund__authority"))
    decision_days = DaysBetween(F("deliberation_date"), TruncDate("application__submitted_at"))
    aggregates = {"n": Count("pk"), "total": Sum("amount"),
                  "cofinanced": Count("pk", filter=Q(Exists(other_funder)))}
    if connection.vendor == "postgresql":
        # percentile_cont skips the NULL days of awards without a submission date.
        aggregates["p50"] = PercentileCont(decision_days, 0.5)
    awards = _by_year(awards_qs, ExtractYear("deliberation_date"), **aggregates)
    if connection.vendor != "postgresql":
        medians = _percentiles_by_year(
            awards_qs.filter(application__submitted_at__isnull=False), decision_days,
            ExtractYear("deliberation_date"), years, (0.5,))
        for y, row in awards.items():
            row["p50"] = medians[(y, 0.5)]
    return apps, awards


def _volunteering_logged(years, authority=None) -> dict:
    """Per year: hours and € of counted entries (validated or locked) linked to a convention
    holding a tranche that same year (one GROUP BY year: a row per year). 1 query."""
    funded = ConventionYear.objects.filter(
        year=OuterRef("entry_year"), convention=OuterRef("convention"),
        convention__status__in=COMMITTED)
    return {row["entry_year"]: row for row in (
        VolunteerEntry.objects
        .filter(status__in=(EntryStatus.VALIDATED, EntryStatus.LOCKED),
                date__range=(dt.date(min(years), 1, 1), dt.date(max(years), 12, 31)),
                **_of(authority, "convention__authority"))
        .annotate(entry_year=ExtractYear("date")).filter(Exists(funded))
        .order_by().values("entry_year").annotate(hours=Sum("hours"), value=Sum("value")))}


def _budget_lines(years, authority=None) -> dict:
    """Per year, in the budgets of the projects funded that year: the volunteering line (870)
    and total self-financing (own resources 70, 73, 75–78 plus contributions in kind 87x).
    1 query."""
    return _by_year(
        ApplicationBudgetLine.objects.filter(
            application__award__deliberation_date__year__gte=min(years),
            application__award__deliberation_date__year__lte=max(years),
            **_of(authority, "application__call__fund__authority")),
        ExtractYear("application__award__deliberation_date"),
        volunteering=Sum("amount", filter=Q(account=VOLUNTEERING_RESOURCE)),
        own=Sum("amount", filter=Q(
            account__in=OWN_RESOURCE_ACCOUNTS + IN_KIND_RESOURCE_ACCOUNTS)))


def _reports(years, today: dt.date, authority=None) -> dict:
    """Per year: financial reports due that year whose due date has passed (or already filed),
    and how many were filed on or before the due date. 1 query."""
    result = (FinancialReport.objects
              .filter(due_date__range=(dt.date(min(years), 1, 1), dt.date(max(years), 12, 31)),
                      **_of(authority, "year__convention__authority"))
              .filter(Q(due_date__lt=today) | Q(submitted_on__isnull=False))
              .annotate(due_year=ExtractYear("due_date"))
              .aggregate(**_per_year(years, lambda y: {
                  "n": Count("pk", filter=Q(due_year=y)),
                  "on_time": Count("pk", filter=Q(due_year=y,
                                                  submitted_on__lte=F("due_date")))})))
    return {y: {"reports_count": result[f"n_{y}"], "reports_on_time": result[f"on_time_{y}"],
                "reports_on_time_share": rules.share(result[f"on_time_{y}"], result[f"n_{y}"])}
            for y in years}


def from_source_rows(years, today: dt.date, authority=None) -> tuple:
    """The scorecard's parts ({year: figures} each) computed from the source rows."""
    tranches = _tranches(years, authority)
    apps, awards = _citizen_fund(years, authority)
    return (tranches, _advances(years, tranches, authority), _delays(years, authority),
            _volunteering(years, _volunteering_logged(years, authority),
                          _budget_lines(years, authority)),
            _reports(years, today, authority),
            _citizen_figures(years, _envelopes(years, authority), apps, awards))


def scorecard(*, year: int, today: dt.date, previous_years: int = 2,
              authority=None) -> list[dict]:
    """What ``dashboard.selectors.scorecard`` returns, computed from the source rows."""
    years = list(range(year, year - previous_years - 1, -1))
    return assemble(years, from_source_rows(years, today, authority))


def scorecard_year(*, year: int, today: dt.date, authority=None) -> dict:
    return scorecard(year=year, today=today, previous_years=0, authority=authority)[0]
