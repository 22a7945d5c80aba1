"""Pure date rules of reminders: no ORM, plain dates and integers in and out."""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Iterable


def step_label(offset: int) -> str:
    """The step of a reminder, from its offset in days to the deadline: -30 → "J-30", 0 → "J".

    Invariant: distinct offsets give distinct labels (the label is part of the reminder's
    unique key, so two steps never collapse into one).
    """
    if offset == 0:
        return "J"
    return f"J{offset:+d}"


def scan_window(*, day: dt.date, last_success: dt.date | None,
                lookback_days: int) -> tuple[dt.date, dt.date]:
    """Days whose reminders a run for ``day`` must send: from the day after the last
    successful run (catch-up after downtime), never further back than ``lookback_days``,
    up to ``day`` included.

    Invariant: ``day - lookback_days <= start <= end == day``; with no earlier success (first
    run, or a run for a day already handled) only ``day`` itself is scanned.
    """
    if last_success is None or last_success >= day:
        return day, day
    start = max(last_success + dt.timedelta(days=1), day - dt.timedelta(days=lookback_days))
    return start, day


def deadline_range(start: dt.date, end: dt.date, offset: int) -> tuple[dt.date, dt.date]:
    """Deadlines whose reminder at ``offset`` days falls within [start, end].

    Invariant: d in the returned range ⇔ start <= d + offset <= end.
    """
    shift = dt.timedelta(days=offset)
    return start - shift, end - shift


def steps_within(deadline: dt.date, offsets: Iterable[int], start: dt.date,
                 end: dt.date) -> list[tuple[int, dt.date]]:
    """(offset, reminding date) of every step of ``deadline`` that falls within [start, end],
    in chronological order, without duplicates."""
    steps = {(o, deadline + dt.timedelta(days=o)) for o in offsets}
    return sorted((s for s in steps if start <= s[1] <= end), key=lambda s: s[1])


def repeating_offsets(*, first: int, every: int, until: int) -> list[int]:
    """Offsets ``first, first + every, …`` up to ``until`` included (e.g. "7 days after the
    deadline, then every 14 days"): bounded, so a reminder never repeats forever.

    Invariant: strictly increasing, all within [first, until]; empty when first > until.
    """
    if every <= 0:
        raise ValueError("every must be positive")
    return list(range(first, until + 1, every))


def days_until(deadline: dt.date, on: dt.date) -> int:
    """Days left from ``on`` to ``deadline`` (negative once the deadline has passed)."""
    return (deadline - on).days


def add_months(date: dt.date, months: int) -> dt.date:
    """The same day ``months`` later (or earlier when negative), clamped to the month's last
    day: 31 August − 6 months → 28 (or 29) February."""
    index = date.month - 1 + months
    year, month = date.year + index // 12, index % 12 + 1
    return dt.date(year, month, min(date.day, calendar.monthrange(year, month)[1]))


def month_step_label(months: int) -> str:
    """The step of a reminder ``months`` before (negative) or after a deadline: -6 → "M-6".

    Invariant: distinct month counts give distinct labels, never equal to a day label."""
    return f"M{months:+d}"


def month_deadline_range(start: dt.date, end: dt.date, months: int) -> tuple[dt.date, dt.date]:
    """A range of deadlines that contains every deadline whose reminder ``months`` away falls
    within [start, end] (a little wider at month ends: filter with ``month_steps_within``)."""
    return add_months(start, -months), add_months(end, -months) + dt.timedelta(days=3)


def month_steps_within(deadline: dt.date, months: Iterable[int], start: dt.date,
                       end: dt.date) -> list[tuple[int, dt.date]]:
    """(months, reminding date) of every step of ``deadline`` within [start, end], in order."""
    steps = {(m, add_months(deadline, m)) for m in months}
    return sorted((s for s in steps if start <= s[1] <= end), key=lambda s: s[1])


def deadline_ranges(start: dt.date, end: dt.date,
                    offsets: Iterable[int]) -> list[tuple[dt.date, dt.date]]:
    """Deadlines whose reminder at any of ``offsets`` falls within [start, end], as few
    disjoint ranges as possible (overlapping or adjacent ones merged), in order.

    Invariant: d is in one of the ranges ⇔ start <= d + o <= end for some offset o.
    """
    merged: list[list[dt.date]] = []
    for low, high in sorted(deadline_range(start, end, o) for o in set(offsets)):
        if merged and low <= merged[-1][1] + dt.timedelta(days=1):
            merged[-1][1] = max(merged[-1][1], high)
        else:
            merged.append([low, high])
    return [(low, high) for low, high in merged]
