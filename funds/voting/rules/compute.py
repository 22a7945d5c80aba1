"""One entry point for every rule: reserved category budgets, districts (see the module doc of outcome)."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field, replace
from decimal import Decimal

from django.utils.translation import gettext as _

from .add1 import equal_shares_add1, equal_shares_add1_comparison
from .equal_shares import equal_shares, equal_shares_completed
from .greedy import greedy, greedy_no_skip
from .outcome import (
    NO_CONSTRAINTS,
    Ballot,
    CategoryMode,
    Constraints,
    ProjectId,
    ProjectOutcome,
    Reason,
    Rule,
    WinnerResult,
)
from .tally import _covered, _Tally, _tally

RULE_FUNCTIONS = {
    Rule.GREEDY: greedy,
    Rule.GREEDY_NO_SKIP: greedy_no_skip,
    Rule.MES: equal_shares,
    Rule.MES_COMPLETED: equal_shares_completed,
    Rule.MES_ADD1: equal_shares_add1,
    Rule.MES_ADD1_COMPARISON: equal_shares_add1_comparison,
}


def _restrict(ballots: list, ids: Collection[ProjectId], *, keep_empty: bool) -> list:
    ids = frozenset(ids)
    restricted = []
    for ballot in ballots:
        if isinstance(ballot, Mapping):
            part = {p: points for p, points in ballot.items() if p in ids}
        else:
            part = [p for p in ballot if p in ids]
        if part or keep_empty:
            restricted.append(part)
    return restricted


@dataclass
class _Selection:
    """What the reserved passes selected so far: winners in order, their outcomes, the
    projects an exclusive group mate's win blocked (-> that mate), the money spent."""

    tally: _Tally
    group_of: dict[ProjectId, Collection[ProjectId]]
    winners: list[ProjectId] = field(default_factory=list)
    outcomes: dict[ProjectId, ProjectOutcome] = field(default_factory=dict)
    blocked: dict[ProjectId, ProjectId] = field(default_factory=dict)
    spent: Decimal = Decimal(0)

    def open_projects(self, ids) -> list[ProjectId]:
        return [p for p in ids if p not in self.winners and p not in self.blocked]

    def take(self, part: WinnerResult) -> None:
        self.spent += part.spent
        for project_id in part.winners:
            self.winners.append(project_id)
            self.outcomes[project_id] = part.outcome(project_id)
            for mate in self.group_of.get(project_id, ()):
                if mate != project_id:
                    self.blocked.setdefault(mate, project_id)

    def blocked_outcomes(self) -> None:
        tally = self.tally
        for project_id, by in self.blocked.items():
            self.outcomes[project_id] = ProjectOutcome(
                project_id=project_id, cost=tally.projects[project_id],
                votes=tally.votes[project_id], score=tally.score[project_id], won=False,
                reason=Reason.EXCLUSIVE, rank=0, blocked_by=by)

    def ranked_outcomes(self) -> list[ProjectOutcome]:
        """Winners first in order of selection, then the others in their pass's order."""
        ordered = sorted(self.outcomes.values(), key=lambda o: (
            not o.won, self.winners.index(o.project_id) if o.won else 0, o.rank))
        return [replace(o, rank=rank) for rank, o in enumerate(ordered, start=1)]


def _with_reserves(function, rule: Rule, projects: Mapping[ProjectId, Decimal], ballots: list,
                   budget: Decimal, min_votes: int | None, constraints: Constraints) -> WinnerResult:
    """Reserved category budgets: the rule on each reserved category (its projects, the ballots
    naming them, its amount), then on every project left with the rest of the envelope."""
    tally = _tally(projects, ballots, budget)
    plain = replace(constraints, category_budgets={}, category_mode=CategoryMode.CAPPED)
    selection = _Selection(tally=tally, group_of={p: group for group in constraints.exclusive
                                                  for p in group})
    passes = []
    for category, amount in constraints.category_budgets.items():
        ids = selection.open_projects(p for p in tally.projects
                                      if category in constraints.categories.get(p, ()))
        if not ids:
            continue
        part = function({p: tally.projects[p] for p in ids},
                        _restrict(ballots, ids, keep_empty=False),
                        min(amount, budget - selection.spent), min_votes=min_votes,
                        constraints=plain)
        passes.append({"category": category, "amount": str(amount), "spent": str(part.spent),
                       "winners": list(part.winners)})
        selection.take(part)
    rest = selection.open_projects(tally.projects)
    final = function({p: tally.projects[p] for p in rest}, _restrict(ballots, rest, keep_empty=True),
                     tally.budget - selection.spent, min_votes=min_votes, constraints=plain)
    selection.winners.extend(final.winners)
    selection.outcomes.update((outcome.project_id, outcome) for outcome in final.projects)
    selection.blocked_outcomes()
    winners = selection.winners
    spent = sum((tally.projects[p] for p in winners), Decimal(0))
    assert spent <= tally.budget
    return WinnerResult(rule=rule, budget=tally.budget, winners=tuple(winners), spent=spent,
                        projects=tuple(selection.ranked_outcomes()), ballots=len(tally.ballots),
                        min_votes=min_votes, covered=_covered(tally, winners),
                        details={**final.details, "reserved": passes})


def compute_winners(rule: str, projects: Mapping[ProjectId, Decimal], ballots: Iterable[Ballot],
                    budget: Decimal, *, min_votes: int | None = None,
                    constraints: Constraints | None = None) -> WinnerResult:
    """Dispatch to the rule named ``rule`` (one of ``RULES``); same invariants as that rule,
    plus the constraints' (threshold, exclusive groups, category budgets)."""
    try:
        rule = Rule(rule)
    except ValueError:
        raise ValueError(_("Règle inconnue : %(rule)s.") % {"rule": rule}) from None
    function = RULE_FUNCTIONS[rule]
    constraints = constraints or NO_CONSTRAINTS
    if constraints.category_budgets and constraints.category_mode == CategoryMode.RESERVED:
        return _with_reserves(function, rule, projects, list(ballots), budget, min_votes, constraints)
    if constraints is NO_CONSTRAINTS:
        return function(projects, ballots, budget, min_votes=min_votes)
    return function(projects, ballots, budget, min_votes=min_votes, constraints=constraints)


def winners_by_district(rule: str, projects: Mapping[ProjectId, Decimal], districts: Mapping[ProjectId, str],
                        ballots: Iterable[Ballot], budgets: Mapping[str, Decimal], *,
                        min_votes: int | None = None,
                        constraints: Constraints | None = None) -> dict[str, WinnerResult]:
    """Winners computed separately in each district with the district's own envelope.

    Invariant: each district's result only sees its projects and the part of each ballot that
    names them; a ballot naming none of its projects is not counted there. Every project must
    have a district and every district an envelope.
    """
    missing = sorted(set(projects) - set(districts))
    if missing:
        raise ValueError(_("Projets sans quartier : %(ids)s.") % {"ids": ", ".join(missing)})
    names = sorted(set(districts[p] for p in projects))
    unknown = [name for name in names if name not in budgets]
    if unknown:
        raise ValueError(_("Enveloppe manquante pour : %(parts)s.") % {"parts": ", ".join(unknown)})
    ballots = list(ballots)
    results = {}
    for name in names:
        ids = {p for p in projects if districts[p] == name}
        local = []
        for ballot in ballots:
            if isinstance(ballot, Mapping):
                part = {p: points for p, points in ballot.items() if p in ids}
            else:
                part = [p for p in ballot if p in ids]
            if part:
                local.append(part)
        results[name] = compute_winners(rule, {p: projects[p] for p in ids}, local, budgets[name],
                                        min_votes=min_votes, constraints=constraints)
    return results
