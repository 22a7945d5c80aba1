"""The one validation of volunteer hours, whoever sends them: the entry pages, the API and the
file import call ``hours_check`` and get the same French message for the same problem (the
import adds its row numbers, the pages and the API their fields).

Checks, in order: the day is not in the future, the activity is known, the project exists and
covers the day, at most 24 hours per person and day across the saved entries and the new rows,
then likely duplicates (same person, day, activity and project as a saved entry or another new
row) which the caller may accept once confirmed.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Hashable, Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import NamedTuple, Protocol

from django.utils import timezone
from django.utils.translation import gettext as _

from backoffice.core.money import format_hours

from .. import rules, selectors
from ..models import Activity
from ._common import project_message

DATE, ACTIVITY, PROJECT, HOURS = "date", "activity", "project_reference", "hours"


class HoursRow(Protocol):
    """What the checks read of a row of hours (``HoursInput`` or the import's row)."""

    number: int
    person: Hashable
    name: str
    date: dt.date
    hours: Decimal
    activity: str
    project: str


class HoursInput(NamedTuple):
    """One row of hours as the pages and the API give it."""

    number: int             # position in the batch (the import uses its spreadsheet line)
    person: Hashable        # who: the volunteer's id
    name: str               # the volunteer's name, as messages show it
    date: dt.date
    hours: Decimal
    activity: str
    project: str = ""


class HoursProblem(NamedTuple):
    number: int
    field: str              # DATE, ACTIVITY, PROJECT or HOURS
    message: str


@dataclass
class HoursCheck:
    """What ``hours_check`` found: problems refuse the rows, duplicates need a confirmation."""

    problems: list[HoursProblem] = field(default_factory=list)
    duplicates: list[HoursProblem] = field(default_factory=list)


def _day(value: dt.date) -> str:
    return value.strftime("%d/%m/%Y")


def future_date_message(day: dt.date) -> str:
    return _("Le %(date)s est une date future.") % {"date": _day(day)}


def unknown_activity_message(value: str) -> str:
    return _("Activité inconnue « %(value)s » : %(choices)s.") % {
        "value": value, "choices": ", ".join(Activity.values)}


def row_problems(row: HoursRow, *, today: dt.date, periods: dict | None
                 ) -> list[HoursProblem]:
    """The problems of one row on its own: future day, unknown activity, project."""
    problems = []
    if row.date > today:
        problems.append(HoursProblem(row.number, DATE, future_date_message(row.date)))
    if row.activity not in Activity.values:
        problems.append(HoursProblem(row.number, ACTIVITY,
                                     unknown_activity_message(row.activity)))
    problem = rules.project_problem(row.project, row.date, periods)
    if problem is not None:
        problems.append(HoursProblem(row.number, PROJECT,
                                     project_message(problem, row.project, row.date, periods)))
    return problems


def day_limit_problems(rows: list[HoursRow], existing: Mapping[tuple, Decimal]
                       ) -> list[HoursProblem]:
    """Rows taking their person past 24 hours on their day (``existing``: hours already
    saved per (person, day))."""
    over = rules.days_over_limit(existing, ((r.person, r.date, r.hours) for r in rows))
    if not over:
        return []
    problems = []
    for row in rows:
        total = over.get((row.person, row.date))
        if total is not None:
            problems.append(HoursProblem(row.number, HOURS, _(
                "%(name)s aurait %(total)s le %(date)s (toutes saisies confondues) : plus de "
                "24 heures en un jour.") % {"name": row.name,
                                             "total": format_hours(total, trim=True),
                                             "date": _day(row.date)}))
    return problems


def duplicate_problems(rows: list[HoursRow], existing_keys: set[tuple]) -> list[HoursProblem]:
    """Rows with the same person, day, activity and project as a saved entry or an earlier
    row."""
    seen: set = set()
    duplicates = []
    for row in rows:
        key = (row.person, row.date, row.activity, row.project)
        if key in existing_keys or key in seen:
            text = (_("Doublon probable : %(name)s, le %(date)s, %(activity)s, déjà saisi.")
                    if key in existing_keys else
                    _("Doublon probable : %(name)s, le %(date)s, %(activity)s, saisi deux "
                      "fois."))
            duplicates.append(HoursProblem(row.number, "", text % {
                "name": row.name, "date": _day(row.date),
                "activity": Activity(row.activity).label.lower()}))
        seen.add(key)
    return duplicates


def hours_check(rows: Iterable[HoursRow], *, organisation, people: Mapping[int, Hashable],
                exclude_pk=None, periods: dict | None | bool = False) -> HoursCheck:
    """Check rows of hours of an organisation (see the module). ``people`` maps the ids of
    the volunteers concerned to the ``person`` their rows carry; ``exclude_pk`` is the entry
    being changed; ``periods`` the projects' periods when the caller already has them.

    Rows with a problem of their own are left out of the 24-hour and duplicate checks."""
    rows = list(rows)
    today = timezone.localdate()
    if periods is False:
        periods = selectors.project_periods(organisation=organisation)
    result = HoursCheck()
    valid = []
    for row in rows:
        problems = row_problems(row, today=today, periods=periods)
        result.problems += problems
        if not problems:
            valid.append(row)
    if not valid:
        return result
    start, end = min(r.date for r in valid), max(r.date for r in valid)
    existing = {(people[pk], day): total for (pk, day), total in selectors.day_hours(
        volunteer_ids=people.keys(), start=start, end=end, exclude_pk=exclude_pk).items()}
    result.problems += day_limit_problems(valid, existing)
    existing_keys = {(people[pk], day, activity, project) for pk, day, activity, project
                     in selectors.duplicate_keys(organisation=organisation, start=start,
                                                 end=end, exclude_pk=exclude_pk)
                     if pk in people}
    result.duplicates = duplicate_problems(valid, existing_keys)
    return result
