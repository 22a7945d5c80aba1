"""The scorecard's figures read from the rollups (PostgreSQL): a few hundred rows whatever the
number of conventions, payments and volunteer entries. Each function returns exactly what its
counterpart over the source rows in the test oracle (``tests/dashboard/oracle.py``) returns,
on the same data.

The rollups are kept per authority: ``authority`` (an Authority, or None for the whole
deployment, the sum over its authorities) chooses whose figures are read."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from django.db import connection
from django.db.models import Q, Sum

from backoffice.core.choices import Nature

from .. import rules
from ..models import DayCounts, FundYearFigures, ReportDays, YearFigures
from ._common import _cents

DELAY, ADVANCE_DAY, DECISION = "delay", "advance_day", "decision"


def available() -> bool:
    """The rollups are kept by PostgreSQL triggers only."""
    return connection.vendor == "postgresql"


def of_authority(authority) -> dict:
    """The filter of the rollup rows of ``authority`` (None: every authority)."""
    return {} if authority is None else {"authority_id": authority.pk}


def year_figures(years, authority=None) -> dict:
    """Per year: funding (total, multi-year, by nature), tranches, CPOs, tranches with an
    advance, and the counted volunteering linked to them. 1 query."""
    out = {y: {"total": _cents(0), "multi": _cents(0), "cpo": 0, "n": 0, "advances": 0,
               "hours": _cents(0), "value": _cents(0),
               **{value: _cents(0) for value in Nature.values}} for y in years}
    rows = (YearFigures.objects.filter(year__in=years, **of_authority(authority))
            .values_list("year", "nature", "multi_year", "tranches", "amount",
                         "advance_tranches", "volunteer_hours", "volunteer_value"))
    for year, nature, multi, tranches, amount, advances, hours, value in rows:
        row = out[year]
        row["total"] += amount
        row["n"] += tranches
        row["advances"] += advances
        row["hours"] += hours
        row["value"] += value
        if nature in row:
            row[nature] += amount
        if multi:
            row["multi"] += amount
            row["cpo"] += tranches
    return out


def tranches(years, figures: dict) -> dict:
    out = {}
    for y in years:
        row = figures[y]
        total, multi = _cents(row["total"]), _cents(row["multi"])
        operating = _cents(row[Nature.OPERATING] + row[Nature.ENGINEERING])
        investment = _cents(row[Nature.INVESTMENT])
        out[y] = {
            "funding_total": total, "multi_year_amount": multi,
            "multi_year_share": rules.share(multi, total), "cpo_count": row["cpo"],
            "years_count": row["n"],
            "nature_total": total, "operating_engineering_amount": operating,
            "operating_engineering_share": rules.share(operating, total),
            "project_share": rules.share(row[Nature.PROJECT], total),
            "investment_amount": investment,
            "investment_share": rules.share(investment, total),
        }
    return out


def day_counts(years, authority=None) -> dict:
    """{(measure, year): {days: count}} of the day histograms (summed over the authorities).
    1 query."""
    histograms = defaultdict(lambda: defaultdict(int))
    for measure, year, days, count in (DayCounts.objects
                                       .filter(year__in=years, count__gt=0,
                                               **of_authority(authority))
                                       .values_list("measure", "year", "days", "count")):
        histograms[(measure, year)][days] += count
    return histograms


def advances(years, figures: dict, histograms: dict) -> dict:
    out = {}
    for y in years:
        n, with_advance = figures[y]["n"], figures[y]["advances"]
        median_day = rules.percentile_of_counts(histograms.get((ADVANCE_DAY, y), {}), 0.5)
        out[y] = {"advance_count": with_advance, "advance_share": rules.share(with_advance, n),
                  "advance_median_day": round(median_day) if median_day is not None else None}
    return out


def delays(years, histograms: dict) -> dict:
    out = {}
    for y in years:
        counts = histograms.get((DELAY, y), {})
        n = sum(counts.values())
        on_time = sum(c for days, c in counts.items() if days <= rules.PAYMENT_LIMIT_DAYS)
        out[y] = {"paid_count": n, "on_time_count": on_time,
                  "on_time_share": rules.share(on_time, n),
                  "delay_median": rules.percentile_of_counts(counts, 0.5),
                  "delay_p90": rules.percentile_of_counts(counts, 0.9)}
    return out


def volunteering_logged(years, figures: dict) -> dict:
    return {y: {"hours": figures[y]["hours"], "value": figures[y]["value"]} for y in years}


FUND_COLUMNS = ("applications", "newcomers", "awards", "awarded_amount", "cofinanced",
                "budget_volunteering", "budget_own")


def fund_figures(years, histograms: dict, authority=None) -> tuple[dict, dict, dict]:
    """Per year: applications ({n, new}), awards ({n, total, cofinanced, p50}) and the awarded
    budgets' lines ({volunteering, own}), summed over the authorities. 1 query."""
    sums = {}
    for row in FundYearFigures.objects.filter(year__in=years, **of_authority(authority)).values():
        if row["year"] in sums:
            for column in FUND_COLUMNS:
                sums[row["year"]][column] += row[column]
        else:
            sums[row["year"]] = {column: row[column] for column in FUND_COLUMNS}
    apps, awards, budget = {}, {}, {}
    for y, row in sums.items():
        apps[y] = {"n": row["applications"], "new": row["newcomers"]}
        awards[y] = {"n": row["awards"], "total": row["awarded_amount"],
                     "cofinanced": row["cofinanced"],
                     "p50": rules.percentile_of_counts(histograms.get((DECISION, y), {}), 0.5)}
        budget[y] = {"volunteering": row["budget_volunteering"], "own": row["budget_own"]}
    return apps, awards, budget


def reports(years, today: dt.date, authority=None) -> dict:
    """Reports due each year whose due date has passed (or already filed), and those filed on
    time, from the counts per due date. 1 query."""
    conditions = {}
    for y in years:
        in_year = Q(due_date__range=(dt.date(y, 1, 1), dt.date(y, 12, 31)))
        counted = in_year & (Q(due_date__lt=today) | Q(submitted=True))
        conditions[f"n_{y}"] = Sum("count", filter=counted)
        conditions[f"on_time_{y}"] = Sum("count", filter=counted & Q(on_time=True))
    result = (ReportDays.objects
              .filter(due_date__range=(dt.date(min(years), 1, 1), dt.date(max(years), 12, 31)),
                      **of_authority(authority))
              .aggregate(**conditions))
    out = {}
    for y in years:
        n, on_time = result[f"n_{y}"] or 0, result[f"on_time_{y}"] or 0
        out[y] = {"reports_count": n, "reports_on_time": on_time,
                  "reports_on_time_share": rules.share(on_time, n)}
    return out
