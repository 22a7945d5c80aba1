"""Aggregate reads of the dashboard and the pact scorecard.

The dashboard: every figure is one aggregate query (conditional aggregation, GROUP BY) over
the source rows. The pact scorecard: read from the rollups kept by PostgreSQL triggers (see
``scorecard.py``). Neither depends on the amount of data for its number of queries.
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
from .scorecard import (  # noqa: F401
    ScorecardUnavailable,
    scorecard,
    scorecard_authorities,
    scorecard_authority,
    scorecard_year,
)
