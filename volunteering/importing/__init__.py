"""Import of volunteer hours from CSV or XLSX: one validation path for the page, the API and
the ``import_volunteer_hours`` command.

The whole file is checked before anything is written (all or nothing): unreadable file or
missing columns, then every row (date, volunteer, hours, activity, qualification, project and
its period), then the 24-hour rule across the file and the saved entries, then likely
duplicates. Look-ups are pre-loaded (volunteers, day totals, duplicate keys, rates) so the
cost per row is a few dict reads: no query per row.

``reading`` turns the file into rows, ``checking`` validates and values them, ``service``
writes them, ``report`` says what was found, ``uploads`` keeps previewed files.
"""

from .reading import (
    ACTIVITY_LOOKUP,
    OPTIONAL_COLUMNS,
    QUALIFICATION_LOOKUP,
    REQUIRED_COLUMNS,
    FileProblem,
    ImportRow,
    read_import_upload,
    read_table,
)
from .report import MAX_LISTED_ERRORS, ImportReport, RowError
from .service import volunteer_hours_import
from .uploads import UPLOADS_DIR, stale_uploads_purge, upload_path

__all__ = [
    "ACTIVITY_LOOKUP", "MAX_LISTED_ERRORS", "OPTIONAL_COLUMNS", "QUALIFICATION_LOOKUP",
    "REQUIRED_COLUMNS", "UPLOADS_DIR", "FileProblem", "ImportReport", "ImportRow", "RowError",
    "read_import_upload", "read_table", "stale_uploads_purge", "upload_path",
    "volunteer_hours_import",
]
