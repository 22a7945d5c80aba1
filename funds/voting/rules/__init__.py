"""Pure rules of the participatory vote, no ORM: plain values in, plain values out.

- :mod:`.ballot`: ballot validity, voter eligibility keys, age bands, the fingerprint of what a
  computation read;
- :mod:`.outcome`: the result types every winner rule returns, the tie-break and the constraints
  (module doc: every rule explained); :mod:`.tally`: the count and limits the rules share;
- one module per family of winner rules: :mod:`.greedy`, :mod:`.equal_shares`, :mod:`.add1`;
- :mod:`.compute`: one entry point (``compute_winners``, ``winners_by_district``) dispatching
  on the rule's name and applying reserved category budgets.
"""

from .add1 import equal_shares_add1, equal_shares_add1_comparison, satisfaction_preferences
from .ballot import (
    AGE_BANDS,
    age_band,
    age_band_labels,
    age_on,
    ballot_errors,
    census_key,
    inputs_sha256,
)
from .compute import RULE_FUNCTIONS, compute_winners, winners_by_district
from .equal_shares import equal_shares, equal_shares_completed
from .greedy import greedy, greedy_no_skip
from .outcome import (
    NO_CONSTRAINTS,
    RULE_LABELS,
    RULES,
    CategoryMode,
    Constraints,
    ProjectOutcome,
    Reason,
    Rule,
    WinnerResult,
    id_order_key,
    rule_label,
    tie_break_key,
)

__all__ = [
    "AGE_BANDS", "NO_CONSTRAINTS", "RULES", "RULE_FUNCTIONS", "RULE_LABELS", "CategoryMode",
    "Constraints", "ProjectOutcome", "Reason", "Rule", "WinnerResult", "age_band",
    "age_band_labels", "age_on", "ballot_errors", "census_key", "compute_winners",
    "equal_shares", "equal_shares_add1", "equal_shares_add1_comparison", "equal_shares_completed",
    "greedy", "greedy_no_skip", "id_order_key", "inputs_sha256", "rule_label",
    "satisfaction_preferences", "tie_break_key", "winners_by_district",
]
