"""What an import found and did: the page, the API and the command all show this report."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from .. import rules

MAX_LISTED_ERRORS = 500
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
