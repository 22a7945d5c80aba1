"""Bounded reading of uploaded tables (CSV and XLSX): the one reader every import uses.

A spreadsheet is untrusted input. A 2 KB XLSX can declare the range A1:XFD1048576, and a
reader that pads rows to the declared width (openpyxl does) allocates gigabytes before any
check. Here nothing is materialised before the file has been measured:

1. the file size is checked before it is read;
2. for an XLSX, the sizes the archive declares (uncompressed parts) are checked, then the
   sheet is scanned as a stream — its declared dimension first, then every row's number and
   width — and only then handed to openpyxl (read-only mode) with an explicit column bound;
3. for a CSV, physical lines, rows, columns and cells are capped while streaming.

Every refusal is a :class:`TableError` with a French message; limits are settings read at
call time (``TABLE_IMPORT_*``), each import may lower them.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, replace
from xml.etree.ElementTree import ParseError

from django.conf import settings
from django.utils.translation import gettext as _

# Excel's own limits: no legitimate sheet goes beyond them.
EXCEL_MAX_COLUMNS = 16384
EXCEL_MAX_ROWS = 1048576
_REF = re.compile(r"^\$?([A-Z]{1,3})?\$?(\d+)?$")


class TableError(Exception):
    """The file cannot be read within the limits (French message)."""


@dataclass(frozen=True)
class TableLimits:
    max_bytes: int
    max_rows: int
    max_columns: int
    max_cell_chars: int
    max_uncompressed_bytes: int
    max_line_chars: int

    def but(self, **changes) -> TableLimits:
        return replace(self, **changes)


def table_limits(**overrides) -> TableLimits:
    """The default caps from settings, with an import's own overrides."""
    limits = TableLimits(
        max_bytes=settings.TABLE_IMPORT_MAX_BYTES,
        max_rows=settings.TABLE_IMPORT_MAX_ROWS,
        max_columns=settings.TABLE_IMPORT_MAX_COLUMNS,
        max_cell_chars=settings.TABLE_IMPORT_MAX_CELL_CHARS,
        max_uncompressed_bytes=settings.TABLE_IMPORT_MAX_UNCOMPRESSED_BYTES,
        max_line_chars=settings.TABLE_IMPORT_MAX_LINE_CHARS,
    )
    return limits.but(**overrides) if overrides else limits


def _megabytes(size: int) -> str:
    return f"{size / 1048576:.1f}".replace(".", ",").replace(",0", "")


def too_large_message(size: int, limit: int) -> str:
    return _("Le fichier pèse %(size)s Mo ; la limite est de %(limit)s Mo.") % {
        "size": _megabytes(size), "limit": _megabytes(limit)}


def read_upload(upload, *, max_bytes: int) -> bytes:
    """The bytes of an uploaded file, refused by its size before anything is read."""
    size = getattr(upload, "size", None)
    if size is not None and size > max_bytes:
        raise TableError(too_large_message(size, max_bytes))
    upload.seek(0)
    content = upload.read(max_bytes + 1)
    if len(content) > max_bytes:
        raise TableError(too_large_message(len(content), max_bytes))
    return content


def is_xlsx(content: bytes) -> bool:
    return content[:4] == b"PK\x03\x04"


# --- XLSX ------------------------------------------------------------------------------------

def _column_index(letters: str) -> int:
    index = 0
    for char in letters:
        index = index * 26 + (ord(char) - 64)
    return index


def _parse_ref(ref: str) -> tuple[int, int]:
    """'XFD1048576' → (16384, 1048576); a missing part counts as Excel's maximum."""
    match = _REF.match(ref.strip().upper())
    if not match:
        raise TableError(_("Le classeur XLSX est illisible (dimension « %(ref)s »).")
                         % {"ref": ref[:40]})
    letters, digits = match.groups()
    column = _column_index(letters) if letters else EXCEL_MAX_COLUMNS
    row = int(digits) if digits else EXCEL_MAX_ROWS
    return column, row


def _too_many_rows(limits: TableLimits) -> TableError:
    return TableError(_("Le fichier dépasse %(max)s lignes : découpez-le.")
                      % {"max": limits.max_rows})


def _too_many_columns(limits: TableLimits) -> TableError:
    return TableError(_("Le fichier dépasse %(max)s colonnes : ne gardez que les colonnes "
                        "attendues.") % {"max": limits.max_columns})


def _first_sheet(archive: zipfile.ZipFile) -> str:
    """The part of the workbook's first worksheet (the one openpyxl's ``worksheets[0]`` reads)."""
    from xml.etree.ElementTree import fromstring

    names = set(archive.namelist())
    if "xl/workbook.xml" not in names:
        raise TableError(_("Le classeur XLSX est illisible."))
    try:
        workbook = fromstring(archive.read("xl/workbook.xml"))
        rels = fromstring(archive.read("xl/_rels/workbook.xml.rels"))
    except (KeyError, ParseError) as exc:
        raise TableError(_("Le classeur XLSX est illisible.")) from exc
    targets = {rel.get("Id"): rel.get("Target", "") for rel in rels}
    for element in workbook.iter():
        if element.tag.rsplit("}", 1)[-1] != "sheet":
            continue
        rel_id = next((v for k, v in element.attrib.items() if k.rsplit("}", 1)[-1] == "id"), "")
        target = targets.get(rel_id, "").lstrip("/")
        part = target if target.startswith("xl/") else f"xl/{target}"
        if "worksheets/" in part and part in names:
            return part
    raise TableError(_("Le classeur XLSX ne contient aucune feuille."))


class _CountingReader:
    """A stream that refuses to give more than ``limit`` bytes (a zip member decompressing
    beyond what the archive declared)."""

    def __init__(self, stream, limit: int):
        self.stream, self.limit, self.read_bytes = stream, limit, 0

    def read(self, size: int = -1) -> bytes:
        chunk = self.stream.read(size if size and size > 0 else 65536)
        self.read_bytes += len(chunk)
        if self.read_bytes > self.limit:
            raise TableError(_("Le classeur XLSX décompressé dépasse %(limit)s Mo.")
                             % {"limit": _megabytes(self.limit)})
        return chunk


_MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_DIGITS = "0123456789"
_SCANNED = ("dimension", "row", "c", "sheetData")
_SCANNED_TAGS = {f"{_MAIN}{name}": name for name in _SCANNED} | {name: name for name in _SCANNED}
_VALUE_TAGS = frozenset({f"{_MAIN}v", f"{_MAIN}is", "v", "is"})


class _SheetScan:
    """What one pass over a sheet's XML has seen so far: the current row and column, the cells
    of the current row, the widest column holding a value. Each element is checked against
    ``limits`` as it is met."""

    def __init__(self, limits: TableLimits):
        self.limits = limits
        self.row_index = self.cells_in_row = self.column = self.widest = 0
        self.sheet_data = None

    def start(self, tag: str, element) -> None:
        if tag == "c":
            self.cells_in_row += 1
            # One row may hold at most the Excel width of cells (styled empty cells included).
            if self.cells_in_row > EXCEL_MAX_COLUMNS:
                raise _too_many_columns(self.limits)
        elif tag == "sheetData":
            self.sheet_data = element

    def end(self, tag: str, element) -> None:
        if tag == "c":
            self._end_cell(element)
        elif tag == "row":
            self._end_row(element)
        elif tag == "dimension":
            self._check_dimension(element)

    def _end_cell(self, element) -> None:
        ref = element.get("r")
        self.column = _column_index(ref.rstrip(_DIGITS)) if ref else self.column + 1
        if self.column > EXCEL_MAX_COLUMNS:
            raise _too_many_columns(self.limits)
        if any(child.tag in _VALUE_TAGS for child in element):
            if self.column > self.limits.max_columns:
                raise _too_many_columns(self.limits)
            self.widest = max(self.widest, self.column)
        element.clear()

    def _end_row(self, element) -> None:
        number = element.get("r")
        self.row_index = int(number) if number and number.isascii() and number.isdigit() else self.row_index + 1
        if self.row_index > self.limits.max_rows + 1:
            raise _too_many_rows(self.limits)
        self.cells_in_row = self.column = 0
        # Drop the finished rows themselves: memory stays that of one row.
        (self.sheet_data if self.sheet_data is not None else element).clear()

    def _check_dimension(self, element) -> None:
        width, height = _parse_ref(element.get("ref", "").split(":")[-1])
        if height > self.limits.max_rows + 1:
            raise _too_many_rows(self.limits)
        if width > self.limits.max_columns:
            raise _too_many_columns(self.limits)


def _scan_sheet(stream, limits: TableLimits) -> int:
    """Stream the sheet XML once: declared dimension, number of rows, width of each row.
    Returns the last column holding a value."""
    from xml.etree.ElementTree import iterparse

    scan = _SheetScan(limits)
    events = iterparse(_CountingReader(stream, limits.max_uncompressed_bytes),
                       events=("start", "end"))
    try:
        for event, element in events:
            tag = _SCANNED_TAGS.get(element.tag)
            if tag is None:
                continue
            if event == "start":
                scan.start(tag, element)
            else:
                scan.end(tag, element)
    except ParseError as exc:
        raise TableError(_("Le classeur XLSX est illisible.")) from exc
    return scan.widest


def _check_archive(content: bytes, limits: TableLimits) -> int:
    """Check the archive's declared sizes and scan its first sheet; return its real width."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(content))
        infos = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise TableError(_("Le classeur XLSX est illisible.")) from exc
    with archive:
        if len(infos) > 1000:
            raise TableError(_("Le classeur XLSX est illisible."))
        declared = sum(info.file_size for info in infos)
        if declared > limits.max_uncompressed_bytes:
            raise TableError(_("Le classeur XLSX décompressé dépasse %(limit)s Mo.")
                             % {"limit": _megabytes(limits.max_uncompressed_bytes)})
        sheet = _first_sheet(archive)
        try:
            with archive.open(sheet) as stream:
                return _scan_sheet(stream, limits)
        except (zipfile.BadZipFile, OSError, EOFError, KeyError) as exc:
            raise TableError(_("Le classeur XLSX est illisible.")) from exc


def _xlsx_rows(content: bytes, limits: TableLimits) -> Iterator[tuple]:
    from openpyxl import load_workbook

    width = _check_archive(content, limits)
    if not width:
        return
    try:
        workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    # A damaged archive raises anything from BadZipFile to KeyError inside openpyxl.
    except Exception as exc:  # noqa: BLE001
        raise TableError(_("Le classeur XLSX est illisible.")) from exc
    try:
        sheet = workbook.worksheets[0]
        # The scan measured the real width: openpyxl pads to it, never to a declared one.
        for row in sheet.iter_rows(max_row=limits.max_rows + 1, max_col=width,
                                   values_only=True):
            for value in row:
                if isinstance(value, str) and len(value) > limits.max_cell_chars:
                    raise _cell_too_long(limits)
            yield row
    except TableError:
        raise
    except Exception as exc:  # noqa: BLE001 - same as above, while streaming the rows
        raise TableError(_("Le classeur XLSX est illisible.")) from exc
    finally:
        workbook.close()


def _cell_too_long(limits: TableLimits) -> TableError:
    return TableError(_("Fichier illisible : une cellule dépasse %(max)s caractères.") % {
        "max": f"{limits.max_cell_chars:,}".replace(",", "\u202f")})


# --- CSV -------------------------------------------------------------------------------------

def decode_text(content: bytes) -> str:
    """UTF-8 (with or without BOM), else Windows-1252; binary content is refused."""
    if b"\x00" in content[:4096]:
        raise TableError(_("Le fichier n'est pas un CSV lisible (contenu binaire)."))
    try:
        return content.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        return codecs.decode(content, "cp1252")
    except UnicodeDecodeError as exc:
        raise TableError(_("Encodage illisible : enregistrez le fichier en UTF-8 ou en "
                           "Windows-1252 (Latin-1).")) from exc


def sniff_delimiter(text: str) -> str:
    first_line = text.split("\n", 1)[0]
    counts = {delimiter: first_line.count(delimiter) for delimiter in (";", ",", "\t")}
    return max(counts, key=lambda d: (counts[d], d == ";"))


def _bounded_lines(text: str, limits: TableLimits) -> Iterator[str]:
    for line in io.StringIO(text, newline=""):
        if len(line) > limits.max_line_chars:
            raise TableError(_("Fichier illisible : une ligne dépasse %(max)s caractères.") % {
                "max": f"{limits.max_line_chars:,}".replace(",", "\u202f")})
        yield line


def csv_rows(text: str, *, delimiter: str, limits: TableLimits,
             with_line: bool = False) -> Iterator:
    """Rows of a CSV text, streamed, each bounded in width and cell size; at most
    ``max_rows`` rows after the header. With ``with_line``, (first line number, row) pairs:
    a quoted cell may span several lines."""
    reader = csv.reader(_bounded_lines(text, limits), delimiter=delimiter)
    count = 0
    start = 1
    try:
        for row in reader:
            line, start = start, reader.line_num + 1
            count += 1
            if count > limits.max_rows + 1:
                raise _too_many_rows(limits)
            if len(row) > limits.max_columns:
                raise _too_many_columns(limits)
            for cell in row:
                if len(cell) > limits.max_cell_chars:
                    raise _cell_too_long(limits)
            yield (line, row) if with_line else row
    except csv.Error as exc:
        raise TableError(_("Le fichier CSV est illisible (%(error)s).") % {"error": exc}) from exc


# --- one entry point ---------------------------------------------------------------------------

def cell_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float):
        return repr(value)
    return str(value)


def iter_table(content: bytes, *, limits: TableLimits | None = None,
               as_text: bool = True) -> Iterator[list]:
    """Rows of a CSV (';', ',' or tab; UTF-8 or Windows-1252) or XLSX file, header included,
    within ``limits``. Cells are strings (``as_text``) or, for XLSX, openpyxl's values."""
    limits = limits or table_limits()
    if len(content) > limits.max_bytes:
        raise TableError(too_large_message(len(content), limits.max_bytes))
    if not content.strip():
        raise TableError(_("Le fichier est vide."))
    if is_xlsx(content):
        for row in _xlsx_rows(content, limits):
            yield [cell_text(v) for v in row] if as_text else list(row)
    else:
        text = decode_text(content)
        yield from csv_rows(text, delimiter=sniff_delimiter(text), limits=limits)
