"""Reading the file: the bounded table reader, the expected columns, each row's cells as values
(every unreadable cell reported with its line and column)."""

from __future__ import annotations

import datetime as dt
import unicodedata
from decimal import Decimal
from typing import NamedTuple

from django.conf import settings
from django.utils.translation import gettext as _

from backoffice.core.tables import TableError, iter_table, read_upload, table_limits

from ..models import Activity, Qualification
from ..services import parse_hours
from .report import ImportReport

REQUIRED_COLUMNS = ["date", "benevole", "heures", "activite"]
OPTIONAL_COLUMNS = ["projet", "qualification", "note"]
def _plain(text: str) -> str:
    """'Bénévole ' → 'benevole': lower case, no accents, no surrounding spaces."""
    text = unicodedata.normalize("NFKD", str(text)).encode("ascii", "ignore").decode("ascii")
    return text.strip().lower()


ACTIVITY_LOOKUP = {**{_plain(v): v for v in Activity.values},
                   **{_plain(label): v for v, label in Activity.choices}, "other": "autre"}
QUALIFICATION_LOOKUP = {**{_plain(v): v for v in Qualification.values},
                        **{_plain(label): v for v, label in Qualification.choices},
                        "": Qualification.EMPLOYEE}


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
