"""Example tables for the pure rule tests: one test runs every row of its table.

Each pytest test pays for the suite's autouse fixtures (a temporary media folder, a fresh
cache), so hundreds of one-row tests would make the rule tests slow; a table keeps them fast
and still names the failing row.
"""

from __future__ import annotations

import functools


def table(names: str, rows):
    """Like ``pytest.mark.parametrize(names, rows)``, but every row runs in a single test."""
    rows = list(rows)
    width = len([name for name in names.split(",") if name.strip()])

    def decorate(check):
        @functools.wraps(check, assigned=("__module__", "__name__", "__qualname__", "__doc__"))
        def run_table():
            for row in rows:
                args = row if width > 1 else (row,)
                try:
                    check(*args)
                except AssertionError as failure:
                    raise AssertionError(f"row {args!r} of {check.__name__}") from failure

        del run_table.__wrapped__  # pytest must not see the row arguments as fixtures
        return run_table

    return decorate
