"""Checking and rebuilding the scorecard's rollups (kept by PostgreSQL triggers, see migrations
0002 and 0003). Used by ``manage.py dashboard_rollups`` and the tests."""

from __future__ import annotations

from django.db import connection, transaction

from .models import (
    ApplicationFacts,
    ConventionYearFacts,
    DayCounts,
    FundYearFigures,
    ReportDays,
    YearFigures,
)
from .selectors.rollups import available

__all__ = ["available", "check", "rebuild", "snapshot"]

# Each rollup, with the columns that identify a row and whether a row of zeros means nothing
# (a running total that went back to zero after its source rows were deleted).
TABLES = {
    "convention_year_facts": (ConventionYearFacts, ("convention_id", "year")),
    "year_figures": (YearFigures, ("authority_id", "year", "nature", "multi_year")),
    "day_counts": (DayCounts, ("authority_id", "measure", "year", "days")),
    "report_days": (ReportDays, ("authority_id", "due_date", "submitted", "on_time")),
    "application_facts": (ApplicationFacts, ("application_id",)),
    "fund_year_figures": (FundYearFigures, ("authority_id", "year")),
}
# Columns copied from a source row rather than summed: they say nothing when the sums are zero.
_COPIED = {"committed", "nature", "multi_year", "authority_id"}


def _is_zero(model, row: dict, keys) -> bool:
    if model is ApplicationFacts:
        return False
    return all(not value for name, value in row.items()
               if name not in keys and name not in _COPIED)


def snapshot() -> dict:
    """Every rollup row that says something: {table: {key tuple: {column: value}}}."""
    result = {}
    for name, (model, keys) in TABLES.items():
        rows = {}
        for row in model.objects.values():
            row.pop("id")
            if _is_zero(model, row, keys):
                continue
            rows[tuple(row[k] for k in keys)] = row
        result[name] = rows
    return result


def rebuild() -> None:
    """Recompute every rollup from the source rows (PostgreSQL)."""
    if not available():
        raise RuntimeError("Les agrégats du tableau de bord n'existent que sous PostgreSQL.")
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT dashboard_rollups_rebuild()")


def check() -> list[str]:
    """Differences between the rollups as kept and as rebuilt from the source rows (the rebuild
    is rolled back): an empty list when they agree. Run on its own, both reads see one
    snapshot (REPEATABLE READ), so changes committed meanwhile by others are not differences."""
    outermost = not connection.in_atomic_block
    with transaction.atomic():
        if outermost and connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
        kept = snapshot()
        rebuild()
        rebuilt = snapshot()
        transaction.set_rollback(True)
    differences = []
    for name in TABLES:
        for key in sorted(set(kept[name]) | set(rebuilt[name]), key=str):
            if kept[name].get(key) != rebuilt[name].get(key):
                differences.append(f"{name} {key}: tenu {kept[name].get(key)} ≠ "
                                   f"recalculé {rebuilt[name].get(key)}")
    return differences
