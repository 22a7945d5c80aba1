"""Reads of the pact scorecard: every indicator for several years in a constant number of
queries (5 whatever the data), read from the rollups.

One engine per figure. The rollups (``dashboard.models``: convention-year facts, year figures,
day histograms, application facts, report days) are kept by PostgreSQL triggers in the same
transaction as every change of the source rows (migrations ``dashboard/0002_rollups`` and
``0003_rollups_per_authority``), and this module only reads and combines them
(``selectors/rollups.py``); the fund envelopes, a sum over a few funds, are read from the funds
directly. There is no second computation in the product: the ORM computation from the source
rows lives in ``tests/dashboard/oracle.py``, where the tests compare both on hand-made and
random data, and ``manage.py dashboard_rollups`` compares the rollups with a rebuild from
scratch.

Every figure is one authority's (``authority``), or the whole deployment's (None: the sum over
the authorities sharing it): the rollups are kept per authority, the envelopes are their funds'.

SQLite (the demo) has no triggers: there ``scorecard`` raises ``ScorecardUnavailable`` and the
pages say in French that the pact's figures need PostgreSQL, rather than show zeros.
"""

from __future__ import annotations

import datetime as dt

from django.db.models import Exists, OuterRef, Q, Sum
from django.utils.translation import gettext_lazy as _

from backoffice.core.models import Authority
from backoffice.core.selectors import site_authority
from conventions.models import Convention
from funds.models import Fund

from .. import rules
from . import rollups
from ._common import _cents, _money


class ScorecardUnavailable(Exception):
    """The database keeps no rollups (SQLite, the demo): the pact's figures cannot be read."""

    message = _("Les engagements du Pacte sont calculés par la base PostgreSQL, au fil des "
                "enregistrements. Cette installation de démonstration (SQLite) ne les tient "
                "pas : lancez-la avec une base PostgreSQL (DATABASE_URL) pour les voir.")

    def __str__(self) -> str:
        return str(self.message)


def _per_year(years, build) -> dict:
    """{"<name>_<year>": aggregate} for every year, from ``build(year) -> {name: aggregate}``."""
    aggregates = {}
    for year in years:
        for name, aggregate in build(year).items():
            aggregates[f"{name}_{year}"] = aggregate
    return aggregates


def _envelopes(years, authority=None) -> dict:
    """Per year: the envelopes of the funds (of ``authority``) open that year. 1 query."""
    funds = Fund.objects.all() if authority is None else Fund.objects.filter(authority=authority)
    envelopes = funds.aggregate(**_per_year(years, lambda y: {
        "envelope": _money(Sum("envelope", filter=Q(year_start__lte=y, year_end__gte=y)))}))
    return {y: _cents(envelopes[f"envelope_{y}"]) for y in years}


def _citizen_figures(years, envelopes: dict, apps: dict, awards: dict) -> dict:
    """The citizen-initiative fund's lines from per-year applications ({n, new}) and awards
    ({n, total, cofinanced, p50})."""
    out = {}
    for y in years:
        applied = apps.get(y) or {"n": 0, "new": 0}
        decided = awards.get(y) or {"n": 0, "total": None, "cofinanced": 0, "p50": None}
        out[y] = {"envelope": envelopes[y],
                  "applications_count": applied["n"], "newcomer_count": applied["new"],
                  "newcomer_share": rules.share(applied["new"], applied["n"]),
                  "awards_count": decided["n"], "awarded_amount": _cents(decided["total"]),
                  "decision_median_days": decided["p50"],
                  "funded_count": decided["n"], "cofinanced_count": decided["cofinanced"],
                  "cofinanced_share": rules.share(decided["cofinanced"], decided["n"])}
    return out


def _volunteering(years, logged: dict, budget: dict) -> dict:
    """Per year: the ``logged`` volunteering ({hours, value}), and the budgets' volunteering
    against their self-financing (``budget``: {volunteering, own})."""
    out = {}
    for y in years:
        lines = budget.get(y, {})
        volunteering, self_financing = (_cents(lines.get("volunteering")),
                                        _cents(lines.get("own")))
        entries = logged.get(y, {})
        out[y] = {"volunteer_hours": _cents(entries.get("hours")),
                  "volunteer_value": _cents(entries.get("value")),
                  "budget_volunteering": volunteering, "self_financing": self_financing,
                  "volunteering_share": rules.share(volunteering, self_financing)}
    return out


def _from_rollups(years, today: dt.date, authority=None) -> tuple:
    """The scorecard's parts ({year: figures} each) from the rollups. 5 queries."""
    figures = rollups.year_figures(years, authority)
    histograms = rollups.day_counts(years, authority)
    apps, awards, budget = rollups.fund_figures(years, histograms, authority)
    return (rollups.tranches(years, figures), rollups.advances(years, figures, histograms),
            rollups.delays(years, histograms),
            _volunteering(years, rollups.volunteering_logged(years, figures), budget),
            rollups.reports(years, today, authority),
            _citizen_figures(years, _envelopes(years, authority), apps, awards))


def assemble(years, parts) -> list[dict]:
    """One row per year ({"year": y, **every part's figures of y}), in the order of ``years``."""
    figures = []
    for y in years:
        row = {"year": y}
        for part in parts:
            row.update(part[y])
        figures.append(row)
    return figures


def scorecard(*, year: int, today: dt.date, previous_years: int = 2,
              authority=None) -> list[dict]:
    """All the pact's figures for ``year`` then each previous year (for the trend columns), of
    ``authority`` (None: the whole deployment), in a constant number of queries whatever the
    number of years and the size of the data. Raises ``ScorecardUnavailable`` where the
    triggers do not exist (SQLite)."""
    if not rollups.available():
        raise ScorecardUnavailable
    years = list(range(year, year - previous_years - 1, -1))
    return assemble(years, _from_rollups(years, today, authority))


def scorecard_year(*, year: int, today: dt.date, authority=None) -> dict:
    """The pact's figures of one year alone."""
    return scorecard(year=year, today=today, previous_years=0, authority=authority)[0]


EVERY_AUTHORITY = ("toutes", "all")


def scorecard_authority(raw):
    """The authority whose scorecard ``raw`` asks for (``collectivite`` on the pages,
    ``authority`` in the API): None for the whole deployment ("toutes"); when nothing is asked,
    the site's authority (None when several share the site without SITE_AUTHORITY_ID: the
    whole deployment); else the authority of that id. Raises ``Authority.DoesNotExist`` for an
    unknown one."""
    raw = str(raw or "").strip()
    if raw.lower() in EVERY_AUTHORITY:
        return None
    if not raw:
        return site_authority()
    if not (raw.isascii() and raw.isdigit() and len(raw) <= 18):  # a bigint, never a 500
        raise Authority.DoesNotExist(raw)
    return Authority.objects.get(pk=int(raw))


def scorecard_authorities() -> list:
    """The authorities whose scorecard can be read on their own: those with funds or
    conventions, by name. 1 query."""
    funds = Fund.objects.filter(authority=OuterRef("pk"))
    conventions = Convention.objects.filter(authority=OuterRef("pk"))
    return list(Authority.objects.filter(Exists(funds) | Exists(conventions))
                .order_by("name", "pk"))
