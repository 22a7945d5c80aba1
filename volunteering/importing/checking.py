"""Checking the rows read: the hours' shared checks (the entry pages' messages), then their
rate and value, with look-ups pre-loaded so that no row costs a query."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from .. import rules, selectors
from ..models import Activity, Volunteer
from ..services import checks, rate_message
from .reading import ImportRow, _Columns, _Parser, _read_row
from .report import ImportReport, RowError

PREVIEW_ROWS = 15


# The checks' fields, as the file's columns.
CHECK_COLUMNS = {checks.DATE: "date", checks.ACTIVITY: "activite", checks.PROJECT: "projet",
                 checks.HOURS: "heures"}


@dataclass
class _Checked:
    prepared: list[ImportRow]
    volunteers: dict[str, int]
    new_names: dict[str, str]
    method: str


class _Valuer:
    """Rates and values of the rows (cached: a file repeats the same days and hours)."""

    def __init__(self, organisation):
        self.rates = selectors.rate_table()
        self.method = selectors.valuation_method_of(organisation)
        self.rate_cache: dict[tuple, Decimal | str] = {}
        self.value_cache: dict[tuple, Decimal] = {}

    def rate(self, row: ImportRow) -> Decimal | str:
        key = (row.date, row.qualification)
        rate = self.rate_cache.get(key)
        if rate is None:
            try:
                rate = rules.hourly_rate(self.rates, method=self.method, on=row.date,
                                         qualification=row.qualification)
            except rules.RateMissing as exc:
                rate = rate_message(exc)
            self.rate_cache[key] = rate
        return rate

    def valued(self, row: ImportRow, rate: Decimal) -> ImportRow:
        key = (row.hours, rate)
        value = self.value_cache.get(key)
        if value is None:
            value = self.value_cache[key] = rules.entry_value(row.hours, rate)
        return row._replace(rate=rate, value=value)


def _value_rows(rows: list[ImportRow], valuer: _Valuer, report: ImportReport
                ) -> list[ImportRow]:
    """The rows with their rate and value; a day without a rate in force is reported."""
    valued = []
    for row in rows:
        rate = valuer.rate(row)
        if isinstance(rate, str):
            report.add_error(row.number, "date", rate)
        else:
            valued.append(valuer.valued(row, rate))
    return valued


def _summarise(report: ImportReport, rows: list[ImportRow], new_names: dict[str, str]) -> None:
    report.new_volunteers = sorted(new_names.values())
    report.hours, report.value = rules.sum_totals((row.hours, row.value) for row in rows)
    report.preview = [{"row": row.number, "benevole": row.name, "date": row.date,
                       "heures": row.hours, "activite": Activity(row.activity).label,
                       "projet": row.project, "taux": row.rate, "valeur": row.value}
                      for row in rows[:PREVIEW_ROWS]]
    if report.invalid_rows:
        report.hours = report.value = rules.ZERO


def _report_checks(found: checks.HoursCheck, report: ImportReport) -> set[int]:
    """The shared checks' findings, by row and column; returns the refused rows' numbers."""
    for problem in found.problems:
        report.add_error(problem.number, CHECK_COLUMNS[problem.field], problem.message)
    report.duplicates = [RowError(d.number, d.field, d.message) for d in found.duplicates]
    return {problem.number for problem in found.problems}


def _new_names(rows: list[ImportRow], volunteers: dict[str, int]) -> dict[str, str]:
    """Names not yet volunteers of the organisation (lower case → first spelling met)."""
    new_names: dict[str, str] = {}
    for row in rows:
        if row.person not in volunteers:
            new_names.setdefault(row.person, row.name)
    return new_names


def _check(*, organisation, header, rows, report: ImportReport) -> _Checked:
    """Validate every row into ``report``; return the rows ready to be written.

    Steps: read each row's cells, check the rows with the hours' shared checks (future day,
    activity, project, 24-hour rule, duplicates: the entry pages' messages), value them."""
    columns = _Columns.of(header)
    parser = _Parser()
    read = [row for row in (_read_row(number, cells, columns, parser, report)
                            for number, cells in enumerate(rows, start=2)) if row is not None]
    volunteers = {name.lower(): pk for pk, name in Volunteer.objects.filter(
        organisation=organisation).values_list("pk", "name")}
    found = checks.hours_check(read, organisation=organisation,
                               people={pk: key for key, pk in volunteers.items()})
    refused = _report_checks(found, report)
    valuer = _Valuer(organisation)
    prepared = _value_rows([row for row in read if row.number not in refused], valuer, report)
    new_names = _new_names(prepared, volunteers)
    if prepared:
        _summarise(report, prepared, new_names)
    return _Checked(prepared=prepared, volunteers=volunteers, new_names=new_names,
                    method=valuer.method)
