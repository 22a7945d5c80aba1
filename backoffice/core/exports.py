"""The one writer of every CSV and XLSX the product gives out.

Values typed by associations (names, notes, titles) end up in spreadsheets opened by agents and
fed to the finance software, so every text cell is neutralised by the OWASP CSV-injection rule:
a text starting with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is prefixed with
``'`` — the spreadsheet shows it as text and never evaluates it. Numbers and dates are written
as numbers and dates, never as text.

Spreadsheet grade for French users:
- XLSX: French headers in bold on a frozen first row, a French sheet name, column widths,
  amounts as numbers in euros (``# ##0,00 €``), real date cells (JJ/MM/AAAA);
- CSV: UTF-8 with BOM, ``;`` separator, decimal commas, dates JJ/MM/AAAA (what a French
  spreadsheet opens correctly); the open-data dialect (SCDL) keeps its standard: ``,``,
  decimal point, ISO dates, no BOM — and the same escaping.

Used by the pages (``table_response``/``export_response``), the services (``export_bytes``) and
the admin (``ExportCSV``/``ExportXLSX``, the django-import-export formats of ``EXPORT_FORMATS``).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.http import HttpResponse
from import_export.admin import ExportMixin
from import_export.formats import base_formats

CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# Control characters an XLSX cell cannot hold (openpyxl refuses them).
_ILLEGAL_XLSX = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
_SHEET_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")

TEXT, MONEY, DECIMAL, INTEGER, DATE = "text", "money", "decimal", "integer", "date"
NUMBER_FORMATS = {
    MONEY: '#,##0.00\\ "€"',
    DECIMAL: "#,##0.00",
    INTEGER: "0",
    DATE: "DD/MM/YYYY",
}


@dataclass(frozen=True)
class Column:
    """One column: its French header, what it holds, its width in the workbook."""

    header: str
    kind: str = TEXT
    width: int | None = None


@dataclass(frozen=True)
class Dialect:
    delimiter: str = ";"
    bom: bool = True
    decimal_comma: bool = True
    date_format: str = "%d/%m/%Y"


SPREADSHEET = Dialect()
OPEN_DATA = Dialect(delimiter=",", bom=False, decimal_comma=False, date_format="%Y-%m-%d")


def escape_text(value: str) -> str:
    """OWASP CSV injection: a cell a spreadsheet could read as a formula becomes text."""
    if value and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def infer_kind(header: str, values: Iterable) -> str:
    """The kind of a column given as plain headers and values (dashboard tables, admin)."""
    kinds = set()
    for value in values:
        if value is None or value == "":
            continue
        if isinstance(value, bool):
            kinds.add(TEXT)
        elif isinstance(value, dt.datetime):
            kinds.add(TEXT)
        elif isinstance(value, dt.date):
            kinds.add(DATE)
        elif isinstance(value, int):
            kinds.add(INTEGER)
        elif isinstance(value, Decimal | float):
            kinds.add(DECIMAL)
        else:
            kinds.add(TEXT)
    if kinds == {INTEGER} or kinds == {DATE}:
        return kinds.pop()
    if kinds and kinds <= {INTEGER, DECIMAL}:
        label = header.lower()
        return MONEY if "€" in label or label.startswith("montant") else DECIMAL
    return TEXT


def columns_for(headers: Sequence[str], rows: Sequence[Sequence]) -> list[Column]:
    return [Column(str(header), infer_kind(str(header), (row[i] for row in rows if i < len(row))))
            for i, header in enumerate(headers)]


def _number(value) -> Decimal | int | float | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        return None
    if isinstance(value, int | Decimal | float):
        return value
    try:
        return Decimal(str(value).replace("\u202f", "").replace("\xa0", "").replace(" ", "")
                       .replace(",", "."))
    except ArithmeticError:
        return None


def _csv_cell(value, kind: str, dialect: Dialect) -> str:
    if value is None:
        return ""
    if kind in (MONEY, DECIMAL, INTEGER):
        number = _number(value)
        if number is not None:
            text = str(number) if kind == INTEGER or isinstance(number, int) else (
                f"{Decimal(str(number)).quantize(Decimal('0.01'))}")
            return text.replace(".", ",") if dialect.decimal_comma else text
    if kind == DATE and isinstance(value, dt.date):
        return value.strftime(dialect.date_format)
    if isinstance(value, dt.datetime):
        return value.strftime(dialect.date_format + " %H:%M")
    if isinstance(value, dt.date):
        return value.strftime(dialect.date_format)
    return escape_text(str(value))


def csv_bytes(columns: Sequence[Column], rows: Iterable[Sequence], *,
              dialect: Dialect = SPREADSHEET) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=dialect.delimiter, lineterminator="\r\n"
                        if dialect.bom else "\n")
    writer.writerow([escape_text(column.header) for column in columns])
    for row in rows:
        writer.writerow([_csv_cell(value, column.kind, dialect)
                         for value, column in zip(row, columns, strict=False)])
    text = buffer.getvalue()
    return (("\ufeff" + text) if dialect.bom else text).encode("utf-8")


def sheet_title(title: str) -> str:
    """A valid sheet name (31 characters, no []:*?/\\), French by the caller."""
    return (" ".join(_SHEET_FORBIDDEN.sub(" ", title).split()) or "Données")[:31]


def _xlsx_value(value, kind: str):
    if value is None:
        return None
    if kind in (MONEY, DECIMAL, INTEGER):
        number = _number(value)
        if number is not None:
            return int(number) if kind == INTEGER and number == int(number) else (
                float(number) if isinstance(number, Decimal) else number)
    if kind == DATE and isinstance(value, dt.datetime):
        return value.replace(tzinfo=None)
    if kind == DATE and isinstance(value, dt.date):
        return value
    if isinstance(value, dt.datetime):
        value = value.strftime("%d/%m/%Y %H:%M")
    elif isinstance(value, dt.date):
        value = value.strftime("%d/%m/%Y")
    return _ILLEGAL_XLSX.sub("\N{REPLACEMENT CHARACTER}", escape_text(str(value)))


def xlsx_bytes(columns: Sequence[Column], rows: Iterable[Sequence], *, title: str) -> bytes:
    """A streamed (write-only) workbook: constant memory whatever the number of rows."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter

    book = Workbook(write_only=True)
    sheet = book.create_sheet(sheet_title(title))
    sheet.freeze_panes = "A2"
    for index, column in enumerate(columns, start=1):
        width = column.width or max(12, min(60, len(column.header) + 4))
        if column.kind == MONEY:
            width = max(width, 16)
        sheet.column_dimensions[get_column_letter(index)].width = width
    bold = Font(bold=True)
    header = []
    for column in columns:
        cell = WriteOnlyCell(sheet, value=_xlsx_value(column.header, TEXT))
        cell.font = bold
        cell.alignment = Alignment(wrap_text=True, vertical="top")
        header.append(cell)
    sheet.append(header)
    for row in rows:
        cells = []
        for value, column in zip(row, columns, strict=False):
            cell = WriteOnlyCell(sheet, value=_xlsx_value(value, column.kind))
            if isinstance(cell.value, str):
                cell.data_type = "s"   # never a formula, whatever the text
            elif column.kind in NUMBER_FORMATS and cell.value is not None:
                cell.number_format = NUMBER_FORMATS[column.kind]
            cells.append(cell)
        sheet.append(cells)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def export_bytes(columns: Sequence[Column], rows: Iterable[Sequence], *, fmt: str,
                 title: str = "Données", dialect: Dialect = SPREADSHEET) -> bytes:
    if fmt == "xlsx":
        return xlsx_bytes(columns, rows, title=title)
    return csv_bytes(columns, rows, dialect=dialect)


def export_response(columns: Sequence[Column], rows: Iterable[Sequence], *, filename: str,
                    fmt: str = "csv", title: str = "Données") -> HttpResponse:
    """A CSV or XLSX download (``filename`` without extension)."""
    if fmt not in CONTENT_TYPES:
        fmt = "csv"
    response = HttpResponse(export_bytes(columns, rows, fmt=fmt, title=title),
                            content_type=CONTENT_TYPES[fmt])
    response["Content-Disposition"] = f'attachment; filename="{filename}.{fmt}"'
    return response


def table_response(headers: Sequence[str], rows: Iterable[Sequence], *, filename: str,
                   fmt: str = "csv", title: str = "Données") -> HttpResponse:
    """Download a table given as plain headers and rows (the data behind a chart or a list):
    column kinds are read from the values."""
    rows = [list(row) for row in rows]
    return export_response(columns_for(headers, rows), rows, filename=filename, fmt=fmt,
                           title=title)


def dataset_bytes(dataset, *, fmt: str, title: str = "Données") -> bytes:
    """A tablib dataset (django-import-export resources) through the same writer."""
    rows = [list(row) for row in dataset]
    return export_bytes(columns_for(dataset.headers or [], rows), rows, fmt=fmt,
                        title=dataset.title or title)


class ExportCSV(base_formats.CSV):
    """The admin's CSV export, written by this module (escaped, French spreadsheet dialect)."""

    def export_data(self, dataset, **kwargs):
        return dataset_bytes(dataset, fmt="csv")


class ExportXLSX(base_formats.XLSX):
    """The admin's XLSX export, written by this module (escaped, typed cells)."""

    def export_data(self, dataset, **kwargs):
        return dataset_bytes(dataset, fmt="xlsx")


class EscapedExportMixin(ExportMixin):
    """django-import-export's admin export, restricted to this module's writers."""

    export_formats = [ExportCSV, ExportXLSX]
