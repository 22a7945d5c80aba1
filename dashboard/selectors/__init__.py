"""Aggregate reads of the dashboard and the pact scorecard.

Every figure is one aggregate query (conditional aggregation, GROUP BY, percentile_cont on
PostgreSQL): the number of queries does not depend on the amount of data. On SQLite (demo only)
percentiles are computed by ``rules.percentile`` from one ordered column, same definition.
"""

from .dashboard import (  # noqa: F401
    alerts,
    awarded_by_nature,
    calls_by_phase,
    dashboard,
    delay_distribution,
    fund_rows,
    monthly_payments,
)
from .scorecard import scorecard, scorecard_year  # noqa: F401
