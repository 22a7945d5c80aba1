"""Pure valuation rules for volunteer hours: no ORM, Decimal and dates in, Decimal out.

Règlement ANC 2018-06 (comptes 86/87): volunteer hours are valued with one consistent method —
gross hourly SMIC, SMIC with employer charges, or replacement cost — at the rate in force on the
day the hours were given.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")
ZERO = Decimal("0.00")
# Physical limit, not a local choice: nobody gives more than 24 hours on one day.
MAX_HOURS_PER_DAY = Decimal("24")

SMIC = "smic"
CHARGES_COEFFICIENT = "charges_coefficient"
REPLACEMENT = "replacement"

SMIC_GROSS = "smic_gross"
SMIC_LOADED = "smic_loaded"
METHOD_REPLACEMENT = "replacement"


class RateMissing(LookupError):
    """No rate of the needed kind is in force on the date."""


@dataclass(frozen=True)
class Rate:
    kind: str
    valid_from: dt.date
    value: Decimal
    qualification: str = ""


def rate_in_force(rates: Iterable[Rate], *, kind: str, on: dt.date, qualification: str = "") -> Decimal:
    """The value of the latest rate of ``kind`` (and qualification) with ``valid_from <= on``.

    Invariant: a rate applies from its first day included until the day before the next one;
    raises RateMissing when none has started yet.
    """
    best: Rate | None = None
    for rate in rates:
        if rate.kind != kind or rate.qualification != qualification or rate.valid_from > on:
            continue
        if best is None or rate.valid_from > best.valid_from:
            best = rate
    if best is None:
        raise RateMissing(kind, qualification, on)
    return best.value


def hourly_rate(rates: Iterable[Rate], *, method: str, on: dt.date, qualification: str) -> Decimal:
    """The hourly value (€, rounded to the cent) of one volunteer hour on ``on`` by ``method``.

    SMIC brut: the gross hourly SMIC. SMIC chargé: gross SMIC × the employer-charges coefficient
    in force. Replacement cost: the rate of the volunteer's qualification level.
    """
    rates = list(rates)
    if method == SMIC_GROSS:
        value = rate_in_force(rates, kind=SMIC, on=on)
    elif method == SMIC_LOADED:
        value = rate_in_force(rates, kind=SMIC, on=on) * rate_in_force(
            rates, kind=CHARGES_COEFFICIENT, on=on)
    elif method == METHOD_REPLACEMENT:
        value = rate_in_force(rates, kind=REPLACEMENT, on=on, qualification=qualification)
    else:
        raise ValueError(f"Unknown valuation method {method!r}")
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def entry_value(hours: Decimal, rate: Decimal) -> Decimal:
    """hours × rate rounded to the cent (half up). Exact Decimal: floats are refused."""
    if isinstance(hours, float) or isinstance(rate, float):
        raise TypeError("Les heures et les taux ne passent jamais par un float.")
    return (hours * rate).quantize(CENT, rounding=ROUND_HALF_UP)


def sum_totals(pairs: Iterable[tuple[Decimal, Decimal]]) -> tuple[Decimal, Decimal]:
    """Total hours and total value of (hours, value) pairs: exactly the sum of the entries."""
    hours = ZERO
    value = ZERO
    for entry_hours, entry_value_ in pairs:
        hours += entry_hours
        value += entry_value_
    return hours, value


def days_over_limit(existing: dict, new: Iterable[tuple[object, dt.date, Decimal]]) -> dict:
    """The (person, day) keys whose total hours exceed 24 once ``new`` rows are added.

    ``existing`` maps (person, day) to hours already recorded; returns {key: total}. Invariant:
    the check is across every entry of the person on that day, already saved or being added.
    """
    totals = dict(existing)
    touched = set()
    for person, day, hours in new:
        key = (person, day)
        totals[key] = totals.get(key, ZERO) + hours
        touched.add(key)
    return {key: totals[key] for key in touched if totals[key] > MAX_HOURS_PER_DAY}


UNKNOWN_PROJECT = "unknown"
BEFORE_PROJECT = "before"
AFTER_PROJECT = "after"


def project_problem(reference: str, day: dt.date, periods: dict | None) -> str | None:
    """Why hours of ``day`` cannot count for project ``reference``, or None when they can.

    ``periods`` maps known references to (start, end) — either may be None for an open end;
    None means projects are not checked (free reference). An empty reference is always fine."""
    if periods is None or not reference:
        return None
    if reference not in periods:
        return UNKNOWN_PROJECT
    start, end = periods[reference]
    if start is not None and day < start:
        return BEFORE_PROJECT
    if end is not None and day > end:
        return AFTER_PROJECT
    return None


# Years a page, an export or the API accepts (as the revaluation form): anything else is a typo.
MIN_YEAR, MAX_YEAR = 2000, 2100


def parse_year(text) -> int | None:
    """A year written in ASCII digits between MIN_YEAR and MAX_YEAR, else None."""
    text = str(text or "").strip()
    if not (text.isascii() and text.isdigit()):
        return None
    year = int(text)
    return year if MIN_YEAR <= year <= MAX_YEAR else None


def parse_id(text) -> int | None:
    """A database id written in ASCII digits, else None."""
    text = str(text or "").strip()
    return int(text) if text.isascii() and text.isdigit() and len(text) < 19 else None


def year_bounds(year: int) -> tuple[dt.date, dt.date]:
    return dt.date(year, 1, 1), dt.date(year, 12, 31)


def week_days(any_day: dt.date) -> list[dt.date]:
    """Monday to Sunday of the ISO week containing ``any_day``."""
    monday = any_day - dt.timedelta(days=any_day.weekday())
    return [monday + dt.timedelta(days=i) for i in range(7)]
