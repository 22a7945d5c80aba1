"""Hostile spreadsheets for the import tests: tiny files that declare or hold huge sheets."""

from __future__ import annotations

import io
import re
import zipfile

from openpyxl import Workbook


def _rewrite_sheet(content: bytes, change) -> bytes:
    source = zipfile.ZipFile(io.BytesIO(content))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            data = source.read(info.filename)
            if info.filename == "xl/worksheets/sheet1.xml":
                data = change(data.decode()).encode()
            target.writestr(info.filename, data)
    return out.getvalue()


def workbook(rows: list[list]) -> bytes:
    book = Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


VOLUNTEER_ROWS = [["date", "benevole", "heures", "activite"],
                  ["01/03/2026", "Anne B.", "2", "animation"]]


def dimension_bomb(rows: list[list] | None = None, ref: str = "A1:XFD1048576") -> bytes:
    """A small workbook whose sheet declares the range ``ref``: a reader that pads each row to
    the declared width allocates 16 384 cells per row, for a million rows."""
    return _rewrite_sheet(workbook(rows or VOLUNTEER_ROWS),
                          lambda xml: re.sub(r'<dimension ref="[^"]*"', f'<dimension ref="{ref}"',
                                             xml))


def far_cell_bomb(rows: list[list] | None = None) -> bytes:
    """No declared dimension, but one cell in the last column and one in the last row."""
    def change(xml: str) -> str:
        xml = re.sub(r"<dimension [^>]*/>", "", xml)
        return xml.replace(
            "</sheetData>",
            '<row r="3"><c r="XFD3" t="inlineStr"><is><t>x</t></is></c></row>'
            '<row r="1048576"><c r="A1048576"><v>1</v></c></row></sheetData>')
    return _rewrite_sheet(workbook(rows or VOLUNTEER_ROWS), change)


def wide_row_bomb(rows: list[list] | None = None, cells: int = 200_000) -> bytes:
    """One row holding far more cells than a sheet can have (no coordinates): compresses to a
    few kilobytes, a reader building the row in memory holds them all."""
    def change(xml: str) -> str:
        xml = re.sub(r"<dimension [^>]*/>", "", xml)
        return xml.replace("</sheetData>",
                           '<row r="3">' + "<c><v>1</v></c>" * cells + "</row></sheetData>")
    return _rewrite_sheet(workbook(rows or VOLUNTEER_ROWS), change)
