"""Database expressions the dashboard needs on both PostgreSQL (production, bench) and SQLite
(demo): whole days between two dates."""

from __future__ import annotations

from django.db.models import Func, IntegerField


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
