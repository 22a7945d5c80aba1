"""Database expressions the dashboard needs on both PostgreSQL (production, bench) and SQLite
(demo): whole days between two dates, day of the year, and PostgreSQL's percentile_cont."""

from __future__ import annotations

from django.db.models import Aggregate, FloatField, Func, IntegerField


class DaysBetween(Func):
    """end − start in whole days (both dates)."""

    output_field = IntegerField()
    arity = 2

    def _parts(self, compiler):
        end_sql, end_params = compiler.compile(self.source_expressions[0])
        start_sql, start_params = compiler.compile(self.source_expressions[1])
        return end_sql, start_sql, (*end_params, *start_params)

    def as_sql(self, compiler, connection, **extra):
        # PostgreSQL: date - date is an integer number of days.
        end_sql, start_sql, params = self._parts(compiler)
        return f"({end_sql} - {start_sql})", params

    def as_sqlite(self, compiler, connection, **extra):
        end_sql, start_sql, params = self._parts(compiler)
        return f"CAST(ROUND(julianday({end_sql}) - julianday({start_sql})) AS INTEGER)", params


class DayOfYear(Func):
    """1 for 1 January … 365/366 for 31 December."""

    output_field = IntegerField()
    arity = 1

    def as_sql(self, compiler, connection, **extra):
        sql, params = compiler.compile(self.source_expressions[0])
        return f"CAST(EXTRACT(DOY FROM {sql}) AS INTEGER)", params

    def as_sqlite(self, compiler, connection, **extra):
        sql, params = compiler.compile(self.source_expressions[0])
        return f"CAST(strftime('%%j', {sql}) AS INTEGER)", params


class PercentileCont(Aggregate):
    """PostgreSQL ``percentile_cont(q) WITHIN GROUP (ORDER BY expr)``: linear interpolation,
    the same definition as ``dashboard.rules.percentile`` (used on SQLite)."""

    function = "percentile_cont"
    name = "PercentileCont"
    template = "%(function)s(%(fraction)s) WITHIN GROUP (ORDER BY %(expressions)s)"
    output_field = FloatField()

    def __init__(self, expression, fraction: float, **extra):
        if not 0 <= fraction <= 1:
            raise ValueError("fraction must be between 0 and 1")
        super().__init__(expression, fraction=repr(float(fraction)), **extra)
