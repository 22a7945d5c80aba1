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
from .services import parse_hours, project_message, rate_message

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

    def __init__(self, today: dt.date):
        self.today = today
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
        if value > self.today:
            return _("Le %(date)s est une date future.") % {"date": value.strftime("%d/%m/%Y")}
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


@dataclass
class _Checked:
    prepared: list[tuple]
    volunteers: dict[str, int]
    new_names: dict[str, str]
    method: str


def _check(*, organisation, header, rows, report: ImportReport) -> _Checked:
    """Validate every row into ``report``; return the parsed rows ready to be written."""
    index = {name: header.index(name) for name in REQUIRED_COLUMNS + OPTIONAL_COLUMNS
             if name in header}
    i_date, i_name, i_hours, i_activity = (index[c] for c in REQUIRED_COLUMNS)
    i_project = index.get("projet")
    i_qualification = index.get("qualification")
    i_note = index.get("note")
    width = max(index.values()) + 1
    parser = _Parser(timezone.localdate())
    volunteers = {name.lower(): pk for pk, name in Volunteer.objects.filter(
        organisation=organisation).values_list("pk", "name")}
    new_names: dict[str, str] = {}
    rates = selectors.rate_table()
    method = selectors.valuation_method_of(organisation)
    periods = selectors.project_periods(organisation=organisation)
    rate_cache: dict[tuple, Decimal | str] = {}
    value_cache: dict[tuple, Decimal] = {}
    prepared = []
    add_error = report.add_error
    for number, row in enumerate(rows, start=2):
        if len(row) < width:
            row = row + [""] * (width - len(row))
        ok = True
        day = parser.date(row[i_date])
        if isinstance(day, str):
            add_error(number, "date", day)
            ok = False
        name = " ".join(row[i_name].split())
        if not name:
            add_error(number, "benevole", _("Le nom du bénévole est obligatoire."))
            ok = False
        elif len(name) > 120:
            add_error(number, "benevole", _("Le nom du bénévole dépasse 120 caractères."))
            ok = False
        hours = parser.hour(row[i_hours])
        if isinstance(hours, str):
            add_error(number, "heures", hours)
            ok = False
        activity_text = row[i_activity]
        activity = ACTIVITY_LOOKUP.get(activity_text) or ACTIVITY_LOOKUP.get(_plain(activity_text))
        if activity is None:
            add_error(number, "activite", _("Activité inconnue « %(value)s » : %(choices)s.") % {
                "value": activity_text, "choices": ", ".join(Activity.values)})
            ok = False
        qualification = Qualification.EMPLOYEE
        if i_qualification is not None:
            text = row[i_qualification]
            qualification = QUALIFICATION_LOOKUP.get(text) or QUALIFICATION_LOOKUP.get(
                _plain(text))
            if qualification is None:
                add_error(number, "qualification", _(
                    "Qualification inconnue « %(value)s » : %(choices)s.") % {
                    "value": text, "choices": ", ".join(Qualification.values)})
                ok = False
        project = row[i_project].strip() if i_project is not None else ""
        if len(project) > 60:
            add_error(number, "projet", _("La référence du projet dépasse 60 caractères."))
            ok = False
        if ok and periods is not None and project:
            problem = rules.project_problem(project, day, periods)
            if problem is not None:
                add_error(number, "projet", project_message(problem, project, day, periods))
                ok = False
        if not ok:
            continue
        rate_key = (day, qualification)
        rate = rate_cache.get(rate_key)
        if rate is None:
            try:
                rate = rules.hourly_rate(rates, method=method, on=day,
                                         qualification=qualification)
            except rules.RateMissing as exc:
                rate = rate_message(exc)
            rate_cache[rate_key] = rate
        if isinstance(rate, str):
            add_error(number, "date", rate)
            continue
        value_key = (hours, rate)
        value = value_cache.get(value_key)
        if value is None:
            value = value_cache[value_key] = rules.entry_value(hours, rate)
        key = name.lower()
        if key not in volunteers and key not in new_names:
            new_names[key] = name
        note = row[i_note].strip()[:255] if i_note is not None else ""
        prepared.append((number, name, day, hours, activity, qualification, project, note, rate,
                         value))
    checked = _Checked(prepared=prepared, volunteers=volunteers, new_names=new_names,
                       method=method)
    if not prepared:
        return checked
    start = min(p[2] for p in prepared)
    end = max(p[2] for p in prepared)
    names_by_pk = {pk: key for key, pk in volunteers.items()}
    existing = {(names_by_pk[pk], day): total for (pk, day), total in selectors.day_hours(
        volunteer_ids=volunteers.values(), start=start, end=end).items()}
    over = rules.days_over_limit(existing, ((p[1].lower(), p[2], p[3]) for p in prepared))
    if over:
        for p in prepared:
            total = over.get((p[1].lower(), p[2]))
            if total is not None:
                add_error(p[0], "heures", _(
                    "%(name)s aurait %(total)s le %(date)s (toutes saisies confondues) : "
                    "plus de 24 heures en un jour.") % {"name": p[1],
                                                        "total": format_hours(total, trim=True),
                                                        "date": p[2].strftime("%d/%m/%Y")})
    existing_keys = {(names_by_pk[pk], day, activity, project) for pk, day, activity, project
                     in selectors.duplicate_keys(organisation=organisation, start=start, end=end)}
    seen: set = set()
    for p in prepared:
        key = (p[1].lower(), p[2], p[4], p[6])
        if key in existing_keys or key in seen:
            text = (_("Doublon probable : %(name)s, le %(date)s, %(activity)s, déjà saisi.")
                    if key in existing_keys else
                    _("Doublon probable : %(name)s, le %(date)s, %(activity)s, deux fois dans "
                      "le fichier."))
            report.duplicates.append(RowError(p[0], "", text % {
                "name": p[1], "date": p[2].strftime("%d/%m/%Y"),
                "activity": Activity(p[4]).label.lower()}))
        seen.add(key)
    report.new_volunteers = sorted(new_names.values())
    report.hours, report.value = rules.sum_totals((p[3], p[9]) for p in prepared)
    report.preview = [{"row": p[0], "benevole": p[1], "date": p[2], "heures": p[3],
                       "activite": Activity(p[4]).label, "projet": p[6], "taux": p[8],
                       "valeur": p[9]} for p in prepared[:PREVIEW_ROWS]]
    if report.invalid_rows:
        report.hours = report.value = rules.ZERO
    return checked


def _write(*, organisation, checked: _Checked, report: ImportReport, actor) -> None:
    new_names, volunteers = checked.new_names, checked.volunteers
    if new_names:
        Volunteer.objects.bulk_create([Volunteer(organisation=organisation, name=name)
                                       for name in new_names.values()])
        volunteers.update({name.lower(): pk for pk, name in Volunteer.objects.filter(
            organisation=organisation).values_list("pk", "name")})
    actor_id = actor.pk if getattr(actor, "pk", None) else None
    org_id = organisation.pk
    method = checked.method
    reference = report.reference
    links = project_links(organisation, {p[6] for p in checked.prepared})
    no_link = (None, None)
    entries = [
        VolunteerEntry(organisation_id=org_id, volunteer_id=volunteers[name.lower()], date=day,
                       hours=hours, activity=activity, qualification=qualification,
                       project_reference=project, application_id=links.get(project, no_link)[0],
                       convention_id=links.get(project, no_link)[1], note=note,
                       status=EntryStatus.DRAFT,
                       valuation_method=method, rate=rate, value=value,
                       import_reference=reference, created_by_id=actor_id)
        for _number, name, day, hours, activity, qualification, project, note, rate, value
        in checked.prepared
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
