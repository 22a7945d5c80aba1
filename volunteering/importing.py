"""Import of volunteer hours from CSV or XLSX: one validation path for the page, the API and
the ``import_volunteer_hours`` command.

The whole file is checked before anything is written (all or nothing): unreadable file or
missing columns, then every row (date, volunteer, hours, activity, qualification, project and
its period), then the
24-hour rule across the file and the saved entries, then likely duplicates. Look-ups are
pre-loaded (volunteers, day totals, duplicate keys, rates) so the cost per row is a few dict
reads: no query per row.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import unicodedata
from dataclasses import dataclass, field
from decimal import Decimal
from typing import NamedTuple

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from backoffice.core.audit import audit_log
from backoffice.core.models import Organisation
from backoffice.core.money import format_eur, format_hours, plural
from backoffice.core.tables import TableError, iter_table, read_upload, table_limits

from . import rules, selectors
from .models import Activity, EntryStatus, Qualification, Volunteer, VolunteerEntry
from .permissions import can
from .projects import project_links
from .services import checks, parse_hours, rate_message

REQUIRED_COLUMNS = ["date", "benevole", "heures", "activite"]
OPTIONAL_COLUMNS = ["projet", "qualification", "note"]
MAX_LISTED_ERRORS = 500
PREVIEW_ROWS = 15


def _plain(text: str) -> str:
    """'Bénévole ' → 'benevole': lower case, no accents, no surrounding spaces."""
    text = unicodedata.normalize("NFKD", str(text)).encode("ascii", "ignore").decode("ascii")
    return text.strip().lower()


ACTIVITY_LOOKUP = {**{_plain(v): v for v in Activity.values},
                   **{_plain(label): v for v, label in Activity.choices}, "other": "autre"}
QUALIFICATION_LOOKUP = {**{_plain(v): v for v in Qualification.values},
                        **{_plain(label): v for v, label in Qualification.choices},
                        "": Qualification.EMPLOYEE}


@dataclass
class RowError:
    row: int
    column: str
    message: str


@dataclass
class ImportReport:
    """What an import found and did. ``rows`` counts data rows (header excluded); row numbers
    are spreadsheet line numbers (the header is line 1)."""

    filename: str = ""
    reference: str = ""
    rows: int = 0
    imported: int = 0
    invalid_rows: set = field(default_factory=set)
    errors: list[RowError] = field(default_factory=list)
    error_count: int = 0
    file_errors: list[str] = field(default_factory=list)
    duplicates: list[RowError] = field(default_factory=list)
    duplicates_confirmed: bool = False
    hours: Decimal = rules.ZERO
    value: Decimal = rules.ZERO
    new_volunteers: list[str] = field(default_factory=list)
    preview: list[dict] = field(default_factory=list)
    dry_run: bool = True

    @property
    def invalid(self) -> int:
        return len(self.invalid_rows) + (1 if self.file_errors and not self.rows else 0)

    @property
    def ok(self) -> bool:
        return not self.file_errors and not self.invalid_rows

    @property
    def needs_confirmation(self) -> bool:
        return self.ok and bool(self.duplicates) and not self.duplicates_confirmed

    def add_error(self, row: int, column: str, message: str) -> None:
        self.invalid_rows.add(row)
        self.error_count += 1
        if len(self.errors) < MAX_LISTED_ERRORS:
            self.errors.append(RowError(row, column, message))

    def summary(self) -> dict:
        """The JSON line of the command and the API's summary."""
        return {"rows": self.rows, "imported": self.imported, "invalid": self.invalid,
                "hours": str(self.hours), "valued": str(self.value)}

    def as_dict(self) -> dict:
        return {
            **self.summary(), "dry_run": self.dry_run, "reference": self.reference,
            "file_errors": self.file_errors,
            "errors": [{"row": e.row, "column": e.column, "message": e.message}
                       for e in self.errors],
            "duplicates": [{"row": e.row, "message": e.message} for e in self.duplicates],
            "needs_confirmation": self.needs_confirmation,
            "new_volunteers": self.new_volunteers,
        }


class FileProblem(Exception):
    """The file cannot be read as a table (French message)."""


def read_table(content: bytes) -> tuple[list[str], list[list[str]]]:
    """Header and rows (as strings) of a CSV (';' or ',', UTF-8 or cp1252) or XLSX file.

    Read through the bounded table reader: the declared size of a workbook, the number of rows
    and columns and the length of cells are checked while streaming, before rows pile up."""
    limits = table_limits(max_bytes=settings.VOLUNTEERING_IMPORT_MAX_BYTES,
                          max_rows=settings.VOLUNTEERING_IMPORT_MAX_ROWS)
    try:
        rows = [row for row in iter_table(content, limits=limits)
                if any(cell.strip() for cell in row)]
    except TableError as exc:
        raise FileProblem(str(exc)) from exc
    if not rows:
        raise FileProblem(_("Le fichier est vide."))
    header = [_plain(cell) for cell in rows[0]]
    return header, rows[1:]


def read_import_upload(upload) -> bytes | str:
    """The bytes of an uploaded import file, or the French reason it is refused: its size is
    checked before it is read (uploads above FILE_UPLOAD_MAX_MEMORY_SIZE wait on disk)."""
    try:
        return read_upload(upload, max_bytes=settings.VOLUNTEERING_IMPORT_MAX_BYTES)
    except TableError as exc:
        return str(exc)


class _Parser:
    """Cached cell parsers: a file repeats the same dates and hours many times."""

    def __init__(self):
        self.dates: dict[str, dt.date | str] = {}
        self.hours: dict[str, Decimal | str] = {}

    def date(self, text: str) -> dt.date | str:
        try:
            return self.dates[text]
        except KeyError:
            pass
        result = self._date(text.strip())
        self.dates[text] = result
        return result

    def _date(self, text: str) -> dt.date | str:
        try:
            if "/" in text:
                day, month, year = text.split("/")
                if len(year) != 4:
                    raise ValueError
                value = dt.date(int(year), int(month), int(day))
            else:
                year, month, day = text[:10].split("-")
                value = dt.date(int(year), int(month), int(day))
        except ValueError:
            if not text:
                return _("La date est obligatoire.")
            return _("Date illisible « %(value)s » : écrivez JJ/MM/AAAA ou AAAA-MM-JJ.") % {
                "value": text}
        return value

    def hour(self, text: str) -> Decimal | str:
        try:
            return self.hours[text]
        except KeyError:
            pass
        try:
            result: Decimal | str = parse_hours(text) if text.strip() else _(
                "Le nombre d'heures est obligatoire.")
        except ValueError as exc:
            result = str(exc)
        self.hours[text] = result
        return result


def volunteer_hours_import(*, organisation: Organisation, content: bytes, actor,
                           filename: str = "", dry_run: bool = True,
                           confirm_duplicates: bool = False) -> ImportReport:
    """Check a whole file of volunteer hours and, unless ``dry_run``, import it.

    All or nothing: entries are written only when no row is invalid and likely duplicates (same
    person, day, activity and project as an entry or another row) are confirmed. Imported
    entries are drafts, valued at the rate in force on their date with the organisation's
    method; unknown volunteer names become new volunteers of the organisation."""
    allowed, reason = can(actor, "volunteering.import", organisation)
    if not allowed:
        raise PermissionDenied(reason)
    report = ImportReport(filename=filename, reference=hashlib.sha256(content).hexdigest()[:16],
                          dry_run=dry_run, duplicates_confirmed=confirm_duplicates)
    if len(content) > settings.VOLUNTEERING_IMPORT_MAX_BYTES:
        report.file_errors.append(_("Le fichier dépasse la taille maximale (%(size)s Mo).") % {
            "size": settings.VOLUNTEERING_IMPORT_MAX_BYTES // (1024 * 1024)})
        return report
    try:
        header, rows = read_table(content)
    except FileProblem as exc:
        report.file_errors.append(str(exc))
        return report
    missing = [c for c in REQUIRED_COLUMNS if c not in header]
    if missing:
        report.file_errors.append(
            _("Colonnes manquantes : %(columns)s. Colonnes attendues : %(expected)s.") % {
                "columns": ", ".join(missing),
                "expected": ", ".join(REQUIRED_COLUMNS + OPTIONAL_COLUMNS)})
        return report
    report.rows = len(rows)
    if report.rows > settings.VOLUNTEERING_IMPORT_MAX_ROWS:
        report.file_errors.append(_("Le fichier dépasse %(max)s lignes : découpez-le.")
                                  % {"max": settings.VOLUNTEERING_IMPORT_MAX_ROWS})
        return report
    if not rows:
        report.file_errors.append(_("Le fichier ne contient aucune ligne d'heures."))
        return report
    with transaction.atomic():
        # Serialise imports and logging of one organisation: the 24-hour rule must hold.
        Organisation.objects.select_for_update().filter(pk=organisation.pk).first()
        checked = _check(organisation=organisation, header=header, rows=rows, report=report)
        if dry_run or not report.ok or report.needs_confirmation:
            return report
        _write(organisation=organisation, checked=checked, report=report, actor=actor)
    return report


class ImportRow(NamedTuple):
    """One row of the file once read: what ``hours_check`` checks, and what is written."""

    number: int             # spreadsheet line (the header is line 1)
    name: str
    date: dt.date
    hours: Decimal
    activity: str
    qualification: str
    project: str
    note: str
    rate: Decimal | None = None
    value: Decimal | None = None

    @property
    def person(self) -> str:
        """Names are matched case-insensitively: the same person whatever the case."""
        return self.name.lower()


class _Columns(NamedTuple):
    """Where each column is in the file (optional ones may be missing)."""

    date: int
    name: int
    hours: int
    activity: int
    project: int | None
    qualification: int | None
    note: int | None
    width: int

    @classmethod
    def of(cls, header: list[str]) -> _Columns:
        index = {name: header.index(name) for name in REQUIRED_COLUMNS + OPTIONAL_COLUMNS
                 if name in header}
        return cls(date=index["date"], name=index["benevole"], hours=index["heures"],
                   activity=index["activite"], project=index.get("projet"),
                   qualification=index.get("qualification"), note=index.get("note"),
                   width=max(index.values()) + 1)


# The checks' fields, as the file's columns.
CHECK_COLUMNS = {checks.DATE: "date", checks.ACTIVITY: "activite", checks.PROJECT: "projet",
                 checks.HOURS: "heures"}


@dataclass
class _Checked:
    prepared: list[ImportRow]
    volunteers: dict[str, int]
    new_names: dict[str, str]
    method: str


def _optional(row: list[str], column: int | None) -> str | None:
    return row[column] if column is not None else None


def _read_name(number: int, text: str, report: ImportReport) -> str | None:
    name = " ".join(text.split())
    if not name:
        report.add_error(number, "benevole", _("Le nom du bénévole est obligatoire."))
        return None
    if len(name) > 120:
        report.add_error(number, "benevole", _("Le nom du bénévole dépasse 120 caractères."))
        return None
    return name


def _read_activity(text: str) -> str:
    """The activity code, or the text as typed (the checks call it unknown)."""
    return ACTIVITY_LOOKUP.get(text) or ACTIVITY_LOOKUP.get(_plain(text)) or text


def _read_qualification(number: int, text: str | None, report: ImportReport) -> str | None:
    if text is None:
        return Qualification.EMPLOYEE
    qualification = QUALIFICATION_LOOKUP.get(text) or QUALIFICATION_LOOKUP.get(_plain(text))
    if qualification is None:
        report.add_error(number, "qualification", _(
            "Qualification inconnue « %(value)s » : %(choices)s.") % {
            "value": text, "choices": ", ".join(Qualification.values)})
    return qualification


def _read_project(number: int, text: str | None, report: ImportReport) -> str | None:
    project = (text or "").strip()
    if len(project) > 60:
        report.add_error(number, "projet", _("La référence du projet dépasse 60 caractères."))
        return None
    return project


def _read_row(number: int, row: list[str], columns: _Columns, parser: _Parser,
              report: ImportReport) -> ImportRow | None:
    """The row's cells as values, every unreadable cell reported; None when one is."""
    if len(row) < columns.width:
        row = row + [""] * (columns.width - len(row))
    day = parser.date(row[columns.date])
    if isinstance(day, str):
        report.add_error(number, "date", day)
    name = _read_name(number, row[columns.name], report)
    hours = parser.hour(row[columns.hours])
    if isinstance(hours, str):
        report.add_error(number, "heures", hours)
    qualification = _read_qualification(number, _optional(row, columns.qualification), report)
    project = _read_project(number, _optional(row, columns.project), report)
    if isinstance(day, str) or name is None or isinstance(hours, str) or \
            qualification is None or project is None:
        return None
    note = (_optional(row, columns.note) or "").strip()[:255]
    return ImportRow(number=number, name=name, date=day, hours=hours,
                     activity=_read_activity(row[columns.activity]),
                     qualification=qualification, project=project, note=note)


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


def _write(*, organisation, checked: _Checked, report: ImportReport, actor) -> None:
    new_names, volunteers = checked.new_names, checked.volunteers
    if new_names:
        Volunteer.objects.bulk_create([Volunteer(organisation=organisation, name=name)
                                       for name in new_names.values()])
        volunteers.update({name.lower(): pk for pk, name in Volunteer.objects.filter(
            organisation=organisation).values_list("pk", "name")})
    actor_id = actor.pk if getattr(actor, "pk", None) else None
    reference = report.reference
    links = project_links(organisation, {row.project for row in checked.prepared})
    no_link = (None, None)
    entries = [
        VolunteerEntry(organisation_id=organisation.pk, volunteer_id=volunteers[row.person],
                       date=row.date, hours=row.hours, activity=row.activity,
                       qualification=row.qualification, project_reference=row.project,
                       application_id=links.get(row.project, no_link)[0],
                       convention_id=links.get(row.project, no_link)[1], note=row.note,
                       status=EntryStatus.DRAFT, valuation_method=checked.method,
                       rate=row.rate, value=row.value, import_reference=reference,
                       created_by_id=actor_id)
        for row in checked.prepared
    ]
    VolunteerEntry.objects.bulk_create(entries,
                                       batch_size=settings.VOLUNTEERING_IMPORT_BATCH_SIZE)
    report.imported = len(entries)
    report.dry_run = False
    audit_log(event="volunteer_hours_imported", obj=organisation, actor=actor,
              message=_("Import de %(count)s de bénévolat (%(hours)s, %(value)s).")
              % {"count": plural(len(entries), "saisie", "saisies"),
                 "hours": format_hours(report.hours), "value": format_eur(report.value)},
              data={**report.summary(), "file": report.filename, "reference": reference,
                    "new_volunteers": len(new_names)})


UPLOADS_DIR = "volunteering/imports"


def upload_path(organisation_id: int, token: str) -> str:
    """Where a previewed file waits for its confirmation."""
    return f"{UPLOADS_DIR}/{organisation_id}/{token}.bin"


def stale_uploads_purge() -> int:
    """Delete previewed files never confirmed, older than VOLUNTEERING_IMPORT_UPLOAD_TTL_HOURS.

    Idempotent: a second run finds nothing more to delete. Returns how many were deleted."""
    import datetime as dt

    from django.core.files.storage import default_storage

    limit = timezone.now() - dt.timedelta(hours=settings.VOLUNTEERING_IMPORT_UPLOAD_TTL_HOURS)
    if not default_storage.exists(UPLOADS_DIR):
        return 0
    deleted = 0
    folders, _files = default_storage.listdir(UPLOADS_DIR)
    for folder in folders:
        _sub, names = default_storage.listdir(f"{UPLOADS_DIR}/{folder}")
        for name in names:
            path = f"{UPLOADS_DIR}/{folder}/{name}"
            if default_storage.get_modified_time(path) < limit:
                default_storage.delete(path)
                deleted += 1
    return deleted
