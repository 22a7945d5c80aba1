"""Turn the aggregate figures into what pages, the PDF and the API show: formatted values,
scorecard lines grouped by pact commitment, charts with the table behind them."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.urls import reverse
from django.utils import formats
from django.utils.translation import gettext as _

from backoffice.core.charts import Series, bar_chart
from backoffice.core.money import format_eur

from . import rules, selectors
from .indicators import INDICATORS

MONTHS = ("janv.", "févr.", "mars", "avr.", "mai", "juin", "juil.", "août", "sept.", "oct.",
          "nov.", "déc.")


def _number(value, decimals: int = 0) -> str:
    return formats.number_format(value, decimal_pos=decimals, use_l10n=True,
                                 force_grouping=True)


def display(kind: str, value, year: int | None = None) -> str:
    """A figure as French text; '—' when it is undefined (no data that year)."""
    if value is None:
        return "—"
    if kind == "share":
        return _number(rules.percent(value), 1) + "\u00a0%"
    if kind == "money":
        return format_eur(value)
    if kind == "count":
        return _number(value)
    if kind == "hours":
        return _number(Decimal(value), 0) + "\u00a0h"
    if kind == "days":
        return _number(Decimal(str(value)), 0 if float(value) == int(value) else 1) + "\u00a0j"
    if kind == "day_of_year":
        day = dt.date(year or 2001, 1, 1) + dt.timedelta(days=int(value) - 1)
        return _("jour %(n)s (%(date)s)") % {"n": int(value),
                                            "date": f"{day.day} {MONTHS[day.month - 1]}"}
    return str(value)


def api_value(kind: str, value):
    """JSON-friendly value: money and shares as strings (exact decimals), others as numbers."""
    if value is None:
        return None
    if kind in ("money", "share", "hours"):
        return str(value)
    if kind == "days":
        return round(float(value), 1)
    return int(value)


# The lists an indicator links to, and how each is narrowed to one authority.
AUTHORITY_PARAMETER = {"conventions:convention-list": "authority",
                       "conventions:calendar": "collectivite"}


def _href(link: tuple[str, str], year: int, authority) -> str:
    url_name, query = link
    params = [query.format(year=year)] if query else []
    if authority is not None and url_name in AUTHORITY_PARAMETER:
        params.append(f"{AUTHORITY_PARAMETER[url_name]}={authority.pk}")
    return reverse(url_name) + ("?" + "&".join(params) if params else "")


def scorecard_lines(years: list[dict], authority=None) -> list[dict]:
    """One line per indicator: values of each year (chosen year first), the trend against
    the previous year, and the list it summarises (narrowed to ``authority`` where the list
    can be)."""
    lines = []
    for indicator in INDICATORS:
        values = [{"year": figures["year"], "raw": figures[indicator.key],
                   "text": display(indicator.kind, figures[indicator.key], figures["year"])}
                  for figures in years]
        trend = None
        if len(values) > 1 and indicator.higher_is_better is not None:
            trend = rules.trend(values[0]["raw"], values[1]["raw"],
                                higher_is_better=indicator.higher_is_better)
        elif len(values) > 1:
            trend = rules.trend(values[0]["raw"], values[1]["raw"])
            if trend:
                trend["good"] = None
        href = _href(indicator.link, years[0]["year"], authority)
        lines.append({"indicator": indicator, "values": values, "trend": trend, "href": href})
    return lines


def scorecard_context(*, year: int, today: dt.date, authority=None) -> dict:
    """Scorecard of ``year`` with the two previous years, grouped by pact commitment, of
    ``authority`` (None: the whole deployment)."""
    years = selectors.scorecard(year=year, today=today, authority=authority)
    groups: list[dict] = []
    for line in scorecard_lines(years, authority):
        commitment = str(line["indicator"].commitment)
        if not groups or groups[-1]["commitment"] != commitment:
            groups.append({"commitment": commitment, "lines": []})
        groups[-1]["lines"].append(line)
    return {"year": year, "years": [f["year"] for f in years], "groups": groups,
            "figures": years[0], "today": today, "chosen_authority": authority}


# --- Charts and the tables behind them -----------------------------------------------------


def chart_tables(data: dict) -> dict:
    """The three dashboard charts: for each, headers, rows (downloadable) and the SVG."""
    year = data["year"]
    monthly = data["monthly"]
    natures = data["natures"]
    delays = data["delays"]
    charts = {
        "versements": {
            "title": _("Versements %(year)s : versé et dû par mois") % {"year": year},
            "headers": [_("Mois"), _("Versé (€)"), _("Dû (€)")],
            "rows": [[MONTHS[r["month"] - 1], r["paid"], r["due"]] for r in monthly],
        },
        "natures": {
            "title": _("Financements %(year)s par nature") % {"year": year},
            "headers": [_("Nature"), _("Attribué dans l'année (€)"),
                        _("Tranches de conventions de l'année (€)")],
            "rows": [[r["label"], r["amount"], r["tranches"]] for r in natures],
        },
        "delais": {
            "title": _("Délais de paiement %(year)s (limite légale : 60 jours)") % {"year": year},
            "headers": [_("Délai"), _("Nombre de versements"), _("Au-delà de 60 jours")],
            "rows": [[r["label"], r["count"], _("oui") if r["late"] else _("non")]
                     for r in delays],
        },
    }
    charts["versements"]["svg"] = bar_chart(
        [MONTHS[r["month"] - 1] for r in monthly],
        [Series(_("Versé"), [r["paid"] for r in monthly]),
         Series(_("Dû (échéance légale)"), [r["due"] for r in monthly])],
        title=charts["versements"]["title"], unit=" €",
        description=_("Montants versés et montants arrivant à échéance, mois par mois."))
    charts["natures"]["svg"] = bar_chart(
        [r["label"].split(" ")[0] for r in natures],
        [Series(_("Attribué"), [r["amount"] for r in natures]),
         Series(_("Tranches de conventions"), [r["tranches"] for r in natures])],
        title=charts["natures"]["title"], unit=" €",
        description=_("Attributions décidées dans l'année et tranches annuelles des conventions, "
                      "par nature de financement."))
    charts["delais"]["svg"] = bar_chart(
        [r["label"] for r in delays],
        [Series(_("Versements"), [r["count"] for r in delays])],
        title=charts["delais"]["title"],
        description=_("Nombre de versements par délai entre déclenchement et paiement ; la ligne "
                      "pointillée marque la limite de 60 jours."),
        marker=(rules.DELAY_LIMIT_POSITION, _("60 jours")))
    for chart in charts.values():
        chart["empty"] = not any(cell for row in chart["rows"] for cell in row[1:]
                                 if not isinstance(cell, str))
    return charts
