"""Download a table (the data behind a chart or a list) as CSV or XLSX."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import tablib
from django.http import HttpResponse

CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def table_response(headers: Sequence[str], rows: Iterable[Sequence], *, filename: str,
                   fmt: str = "csv", title: str = "Données") -> HttpResponse:
    """A CSV (UTF-8 with BOM, `;` separator, as French spreadsheets expect) or XLSX download."""
    if fmt not in CONTENT_TYPES:
        fmt = "csv"
    dataset = tablib.Dataset(headers=list(headers), title=title[:31])
    for row in rows:
        dataset.append(list(row))
    if fmt == "csv":
        content = "\ufeff" + dataset.export("csv", delimiter=";")
    else:
        content = dataset.export("xlsx")
    response = HttpResponse(content, content_type=CONTENT_TYPES[fmt])
    response["Content-Disposition"] = f'attachment; filename="{filename}.{fmt}"'
    return response
