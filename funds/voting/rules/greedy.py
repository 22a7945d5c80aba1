"""Greedy rules: the most voted projects first, with or without skipping (see funds.voting.rules.outcome)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from decimal import Decimal

from .outcome import (
    NO_CONSTRAINTS,
    Ballot,
    Constraints,
    ProjectId,
    Reason,
    Rule,
    WinnerResult,
    tie_break_key,
)
from .tally import _eligible, _ineligible_detail, _Limits, _result, _Tally, _tally


def _greedy_order(tally: _Tally, ids: Iterable[ProjectId], by: dict[ProjectId, int]) -> list[ProjectId]:
    return sorted(ids, key=lambda p: (-by[p], tie_break_key(p, tally.projects[p])))


def _walk(tally: _Tally, order: list[ProjectId], remaining: Decimal, *, stop: bool,
          details: dict[ProjectId, dict], limits: _Limits | None = None) -> tuple[list[ProjectId], Decimal]:
    winners: list[ProjectId] = []
    stopped_at = None
    for project_id in order:
        cost = tally.projects[project_id]
        blocked = limits.blocker(project_id) if limits else None
        if stopped_at is not None:
            details[project_id] = {"reason": Reason.WALK_STOPPED, "remaining": remaining,
                                   "stopped_at": stopped_at}
        elif blocked is not None:
            details[project_id] = blocked   # a constraint, not the envelope: the walk goes on
        elif cost <= remaining:
            details[project_id] = {"reason": Reason.WON, "remaining": remaining}
            remaining -= cost
            winners.append(project_id)
            if limits:
                limits.take(project_id)
        else:
            details[project_id] = {"reason": Reason.DID_NOT_FIT, "remaining": remaining}
            if stop:
                stopped_at = project_id
    return winners, remaining


def _greedy(rule: Rule, projects, ballots, budget, min_votes, stop: bool,
            constraints: Constraints = NO_CONSTRAINTS) -> WinnerResult:
    tally = _tally(projects, ballots, budget)
    eligible = _eligible(tally, min_votes, constraints)
    order = _greedy_order(tally, eligible, tally.score)
    details: dict[ProjectId, dict] = {}
    winners, _remaining = _walk(tally, order, tally.budget, stop=stop, details=details,
                                limits=_Limits(tally, constraints))
    below = _greedy_order(tally, set(tally.projects) - eligible, tally.score)
    for project_id in below:
        details[project_id] = _ineligible_detail(tally, project_id, min_votes, constraints)
    return _result(rule, tally, winners, details, order + below, min_votes)


def greedy(projects: Mapping[ProjectId, Decimal], ballots: Iterable[Ballot], budget: Decimal, *,
           min_votes: int | None = None, constraints: Constraints = NO_CONSTRAINTS) -> WinnerResult:
    """Greedy by votes with skipping.

    Invariants: the winners fit in the budget; the result is maximal (every eligible loser costs
    more than the money left when it was examined, hence more than the final leftover); it
    depends neither on the order of the ballots nor of the projects (explicit tie-break).
    """
    return _greedy(Rule.GREEDY, projects, ballots, budget, min_votes, stop=False,
                   constraints=constraints)


def greedy_no_skip(projects: Mapping[ProjectId, Decimal], ballots: Iterable[Ballot], budget: Decimal, *,
                   min_votes: int | None = None, constraints: Constraints = NO_CONSTRAINTS) -> WinnerResult:
    """Greedy by votes that stops at the first project that does not fit (Gdynia's rule).

    Invariant: the winners are a prefix of the greedy ranking and fit in the budget.
    """
    return _greedy(Rule.GREEDY_NO_SKIP, projects, ballots, budget, min_votes, stop=True,
                   constraints=constraints)
