"""Pure calculations of the dashboard and the pact scorecard: shares, percentiles, trends,
delay buckets. No ORM: numbers in, numbers out."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from decimal import ROUND_HALF_UP, Decimal

ZERO = Decimal("0.00")
# Loi 2021-875 (art. 10 loi 2000-321): payment within 60 days of the trigger event. Day 60
# counts as on time, day 61 is late.
PAYMENT_LIMIT_DAYS = 60
# Payment delay histogram: (label, lowest day, highest day or None for open-ended).
DELAY_BUCKETS = (
    ("0–15 j", 0, 15),
    ("16–30 j", 16, 30),
    ("31–45 j", 31, 45),
    ("46–60 j", 46, 60),
    ("61–90 j", 61, 90),
    ("> 90 j", 91, None),
)
# Position of the 60-day limit on the histogram, in category units: after the 4th bucket.
DELAY_LIMIT_POSITION = 4


def share(part, whole) -> Decimal | None:
    """part / whole as a fraction rounded to 4 decimals; None when the whole is zero or missing
    (a share of nothing is undefined, never 0 %)."""
    if part is None or not whole:
        return None
    return (Decimal(part) / Decimal(whole)).quantize(Decimal("0.0001"), rounding=ROUND_HALF_UP)


def percentile(values: Sequence[float | int | Decimal], q: float) -> float | None:
    """Continuous percentile with linear interpolation between closest ranks, the definition
    of PostgreSQL ``percentile_cont`` (so SQLite and PostgreSQL give the same figure).
    ``values`` need not be sorted; None for an empty list."""
    if not 0 <= q <= 1:
        raise ValueError("q must be between 0 and 1")
    ordered = sorted(float(v) for v in values)
    if not ordered:
        return None
    position = q * (len(ordered) - 1)
    low = math.floor(position)
    high = math.ceil(position)
    fraction = position - low
    return ordered[low] + (ordered[high] - ordered[low]) * fraction


def percentile_of_counts(counts: dict[int, int], q: float) -> float | None:
    """``percentile`` of the values a histogram {value: how many times} stands for, without
    expanding it: the same figure as ``percentile`` over the repeated values."""
    if not 0 <= q <= 1:
        raise ValueError("q must be between 0 and 1")
    items = sorted((value, count) for value, count in counts.items() if count > 0)
    total = sum(count for _, count in items)
    if not total:
        return None
    position = q * (total - 1)
    low, high = math.floor(position), math.ceil(position)
    found = {}
    seen = 0
    for value, count in items:
        for rank in (low, high):
            if rank not in found and seen <= rank < seen + count:
                found[rank] = float(value)
        seen += count
        if high in found:
            break
    return found[low] + (found[high] - found[low]) * (position - low)


def trend(current, previous, *, higher_is_better: bool = True) -> dict | None:
    """Direction of a figure against the previous year: 'up', 'down' or 'flat', and whether that
    is good news for the pact. None when either side is unknown."""
    if current is None or previous is None:
        return None
    current, previous = Decimal(str(current)), Decimal(str(previous))
    if current == previous:
        return {"direction": "flat", "good": None}
    direction = "up" if current > previous else "down"
    return {"direction": direction, "good": (direction == "up") == higher_is_better}


def delay_bucket(days: int) -> int:
    """Index in DELAY_BUCKETS of a payment delay in days (negative delays, paid before the
    trigger, fall in the first bucket)."""
    for index, (_label, _low, high) in enumerate(DELAY_BUCKETS):
        if high is not None and days <= high:
            return index
    return len(DELAY_BUCKETS) - 1


def on_time(days: int) -> bool:
    """Day 60 is on time, day 61 is late (loi 2021-875)."""
    return days <= PAYMENT_LIMIT_DAYS


def add_months(day: dt.date, months: int) -> dt.date:
    """The same day ``months`` later, clamped to the month's last day (31 Aug + 6 → 28/29 Feb)."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    for candidate in (day.day, 30, 29, 28):
        try:
            return dt.date(year, month, candidate)
        except ValueError:
            continue
    raise ValueError(day)


def month_bounds(day: dt.date) -> tuple[dt.date, dt.date]:
    """First and last day of the month of ``day``."""
    first = day.replace(day=1)
    return first, add_months(first, 1) - dt.timedelta(days=1)


def remaining(envelope, awarded) -> Decimal:
    """What is left of an envelope; negative when over-committed (shown, never hidden)."""
    return Decimal(envelope or ZERO) - Decimal(awarded or ZERO)


def percent(value: Decimal | None) -> Decimal | None:
    """A 4-decimal fraction as a percentage with one decimal (0.1234 → 12.3)."""
    if value is None:
        return None
    return (value * 100).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
