"""Method of Equal Shares with the Add1 completion of equalshares.net, and its comparison step."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import replace
from decimal import Decimal

# gmpy2 (a dependency of pabutools) gives exact rationals several times faster than fractions.
from gmpy2 import mpq

from .equal_shares import _EqualShares, _mes_details, _to_decimal_cents
from .greedy import _greedy_order, _walk
from .outcome import (
    NO_CONSTRAINTS,
    Ballot,
    Constraints,
    ProjectId,
    Reason,
    Rule,
    WinnerResult,
    id_order_key,
)
from .tally import _covered, _eligible, _ineligible_detail, _Limits, _result, _Tally, _tally


def add1_tie_key(tally: _Tally):
    """equalshares.net / Pabulib checker tie-break for Add1: cheaper, then more votes, then
    (ours, so that it never fails) the lower id."""
    return lambda p: (tally.projects[p], -tally.votes[p], id_order_key(p))


def _add1(tally: _Tally, eligible: set[ProjectId], constraints: Constraints,
          stop_when_exhaustive: bool) -> tuple[_EqualShares, list[ProjectId], list[mpq], dict]:
    """The Add1 completion (module doc); returns the engine of the kept run, its winners, the
    voters' money left and the facts shown in the report (steps, per-voter virtual budget)."""
    engine = _EqualShares(tally, eligible, tie_key=add1_tie_key(tally), constraints=constraints)
    real = mpq(tally.budget)
    voters = len(tally.ballots)
    winners, money = engine.run(real)
    payments, blocked = dict(engine.payments), dict(engine.blocked)
    kept_budget, steps = real, 0
    if voters and engine.candidates:
        budget = mpq((real // voters) * voters)     # whole currency units per voter
        # Beyond this per-voter amount no voter's money limits anything: the outcome is fixed.
        ceiling = sum((engine.cost[p] for p in engine.candidates), mpq(0)) + 1
        cost = sum((tally.projects[p] for p in winners), Decimal(0))
        while budget / voters <= ceiling:
            if len(winners) == len(engine.candidates):
                break    # everything is funded: more money changes nothing
            if stop_when_exhaustive and all(
                    tally.projects[p] > tally.budget - cost for p in eligible.difference(winners)):
                break
            budget += voters
            steps += 1
            candidate, candidate_money = engine.run(budget)
            candidate_cost = sum((tally.projects[p] for p in candidate), Decimal(0))
            if candidate_cost > tally.budget:
                break
            winners, money, cost, kept_budget = candidate, candidate_money, candidate_cost, budget
            payments, blocked = dict(engine.payments), dict(engine.blocked)
    engine.payments, engine.blocked = payments, blocked
    facts = {"add1_steps": steps, "virtual_budget": str(_to_decimal_cents(kept_budget)),
             "per_voter": str(_to_decimal_cents(kept_budget / voters)) if voters else "0",
             "stop_when_exhaustive": stop_when_exhaustive}
    return engine, winners, money, facts


def equal_shares_add1(projects: Mapping[ProjectId, Decimal], ballots: Iterable[Ballot], budget: Decimal, *,
                      min_votes: int | None = None, constraints: Constraints = NO_CONSTRAINTS,
                      stop_when_exhaustive: bool = False) -> WinnerResult:
    """Method of Equal Shares with the Add1 completion of equalshares.net (module doc).

    Invariants: every kept outcome costs at most the real envelope (an overspending step is
    discarded), so the winners fit; exact rational arithmetic; with ``stop_when_exhaustive`` the
    completion stops at the first exhaustive outcome.
    """
    tally = _tally(projects, ballots, budget)
    return _add1_result(Rule.MES_ADD1, tally, min_votes, constraints, stop_when_exhaustive)


def _add1_result(rule: Rule, tally: _Tally, min_votes, constraints, stop_when_exhaustive) -> WinnerResult:
    eligible = _eligible(tally, min_votes, constraints)
    engine, winners, money, facts = _add1(tally, eligible, constraints, stop_when_exhaustive)
    details, order = _mes_details(engine, winners, money, eligible, min_votes)
    return _result(rule, tally, winners, details, order, min_votes, extra=facts)


def satisfaction_preferences(ballots: Iterable[Sequence[ProjectId]], first: Collection[ProjectId],
                             second: Collection[ProjectId]) -> tuple[int, int]:
    """How many voters prefer ``first``, how many ``second``: a voter prefers the outcome in
    which more of the projects on their ballot win (equalshares.net "satisfaction" comparison;
    voters with as many winners in both count for neither)."""
    first, second = frozenset(first), frozenset(second)
    prefer_first = prefer_second = 0
    for ballot in ballots:
        a = sum(1 for p in ballot if p in first)
        b = sum(1 for p in ballot if p in second)
        if a > b:
            prefer_first += 1
        elif b > a:
            prefer_second += 1
    return prefer_first, prefer_second


def equal_shares_add1_comparison(projects: Mapping[ProjectId, Decimal], ballots: Iterable[Ballot],
                                 budget: Decimal, *, min_votes: int | None = None,
                                 constraints: Constraints = NO_CONSTRAINTS,
                                 stop_when_exhaustive: bool = False) -> WinnerResult:
    """``mes-add1`` then the comparison step with greedy (module doc).

    Invariant: the outcome kept is the one that at least as many voters prefer (greedy only
    when strictly more voters prefer it); ``details["comparison"]`` holds both counts and each
    outcome's share of voters with at least one winning project.
    """
    tally = _tally(projects, ballots, budget)
    mes = _add1_result(Rule.MES_ADD1_COMPARISON, tally, min_votes, constraints, stop_when_exhaustive)
    eligible = _eligible(tally, min_votes, constraints)
    order = _greedy_order(tally, eligible, tally.score)
    greedy_details: dict[ProjectId, dict] = {}
    greedy_winners, _left = _walk(tally, order, tally.budget, stop=False, details=greedy_details,
                                  limits=_Limits(tally, constraints))
    prefer_mes, prefer_greedy = satisfaction_preferences(tally.ballots, mes.winners, greedy_winners)
    comparison = {"prefer_equal_shares": prefer_mes, "prefer_greedy": prefer_greedy,
                  "kept": "greedy" if prefer_greedy > prefer_mes else "equal-shares",
                  "covered_equal_shares": mes.covered,
                  "covered_greedy": _covered(tally, greedy_winners)}
    facts = {**mes.details, "comparison": comparison}
    if prefer_greedy <= prefer_mes:
        return replace(mes, details=facts)
    below = _greedy_order(tally, set(tally.projects) - eligible, tally.score)
    for project_id in below:
        greedy_details[project_id] = _ineligible_detail(tally, project_id, min_votes, constraints)
    for project_id in set(mes.winners) - set(greedy_winners):
        greedy_details[project_id] = {"reason": Reason.GREEDY_PREFERRED}
    return _result(Rule.MES_ADD1_COMPARISON, tally, greedy_winners, greedy_details, order + below,
                   min_votes, extra=facts)
