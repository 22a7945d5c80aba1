"""The count every winner rule starts from (votes and scores per project, checked ballots),
the limits met while selecting (exclusive groups, capped categories) and the assembled result."""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from itertools import chain

from django.utils.translation import gettext as _

from .outcome import (
    NO_CONSTRAINTS,
    Ballot,
    Constraints,
    ProjectId,
    ProjectOutcome,
    Reason,
    WinnerResult,
)


@dataclass
class _Tally:
    projects: dict[ProjectId, Decimal]
    budget: Decimal
    ballots: list[tuple[ProjectId, ...]]
    votes: dict[ProjectId, int]
    score: dict[ProjectId, int]


def _tally(projects: Mapping[ProjectId, Decimal], ballots: Iterable[Ballot], budget: Decimal) -> _Tally:
    if isinstance(budget, float) or any(isinstance(v, float) for v in projects.values()):
        raise TypeError("money must be Decimal or int, never float")
    costs = {str(k): Decimal(v) for k, v in projects.items()}
    if budget < 0 or any(cost < 0 for cost in costs.values()):
        raise ValueError(_("Enveloppe et coûts doivent être positifs ou nuls."))
    approvals: list[tuple[ProjectId, ...]] = []
    points: Counter[ProjectId] = Counter()
    for ballot in ballots:
        if isinstance(ballot, (list, tuple)):   # the common case, kept fast for large votes
            ids = tuple(ballot)
        elif isinstance(ballot, Mapping):
            ids = tuple(ballot)
            points.update({project_id: value - 1 for project_id, value in ballot.items()})
        else:
            ids = tuple(ballot)
        if len(set(ids)) != len(ids):
            raise ValueError(_("Un bulletin cite plusieurs fois le même projet."))
        approvals.append(ids)
    counted = Counter(chain.from_iterable(approvals))
    unknown = sorted(set(counted) - set(costs))
    if unknown:
        raise ValueError(_("Projet inconnu dans un bulletin : %(id)s.") % {"id": ", ".join(unknown)})
    votes = {p: counted[p] for p in costs}
    # score = supporters + (points - 1) for each point-carrying mention = sum of points
    score = {p: counted[p] + points[p] for p in costs}
    return _Tally(costs, Decimal(budget), approvals, votes, score)


def _eligible(tally: _Tally, min_votes: int | None,
              constraints: Constraints = NO_CONSTRAINTS) -> set[ProjectId]:
    required = constraints.required_score(len(tally.ballots))
    return {p for p in tally.projects
            if (min_votes is None or tally.votes[p] >= min_votes)
            and (required is None or tally.score[p] >= required)}


def _ineligible_detail(tally: _Tally, project_id: ProjectId, min_votes: int | None,
                       constraints: Constraints) -> dict:
    if min_votes is not None and tally.votes[project_id] < min_votes:
        return {"reason": Reason.BELOW_MINIMUM}
    return {"reason": Reason.BELOW_THRESHOLD,
            "required": constraints.required_score(len(tally.ballots))}


class _Limits:
    """Exclusive groups and category caps met while selecting: ``blocker`` says what forbids a
    project (a group mate already selected, a category whose cap it would exceed), ``take``
    records a selection."""

    def __init__(self, tally: _Tally, constraints: Constraints):
        self.tally = tally
        self.group_of = {p: i for i, group in enumerate(constraints.exclusive) for p in group}
        self.group_winner: dict[int, ProjectId] = {}
        self.caps = dict(constraints.category_budgets) if constraints.capped else {}
        self.categories = constraints.categories
        self.spent: Counter[str] = Counter()

    def __bool__(self) -> bool:
        return bool(self.group_of or self.caps)

    def blocker(self, project_id: ProjectId) -> dict | None:
        group = self.group_of.get(project_id)
        if group is not None and group in self.group_winner:
            return {"reason": Reason.EXCLUSIVE, "blocked_by": self.group_winner[group]}
        cost = self.tally.projects[project_id]
        for category in self.categories.get(project_id, ()):
            if category in self.caps and self.spent[category] + cost > self.caps[category]:
                return {"reason": Reason.CATEGORY_FULL, "blocked_by": category,
                        "remaining": self.caps[category] - self.spent[category]}
        return None

    def take(self, project_id: ProjectId) -> None:
        group = self.group_of.get(project_id)
        if group is not None:
            self.group_winner[group] = project_id
        for category in self.categories.get(project_id, ()):
            self.spent[category] += self.tally.projects[project_id]


def _covered(tally: _Tally, winners: Collection[ProjectId]) -> int:
    chosen = frozenset(winners)
    return sum(1 for ballot in tally.ballots if not chosen.isdisjoint(ballot))


def _result(rule: str, tally: _Tally, winners: list[ProjectId], details: dict[ProjectId, dict],
            order: list[ProjectId], min_votes: int | None, extra: dict | None = None) -> WinnerResult:
    spent = sum((tally.projects[p] for p in winners), Decimal(0))
    assert spent <= tally.budget
    outcomes = []
    for rank, project_id in enumerate(order, start=1):
        outcomes.append(ProjectOutcome(
            project_id=project_id, cost=tally.projects[project_id], votes=tally.votes[project_id],
            score=tally.score[project_id], won=details[project_id]["reason"] is Reason.WON,
            rank=rank, **details[project_id]))
    return WinnerResult(rule=rule, budget=tally.budget, winners=tuple(winners), spent=spent,
                        projects=tuple(outcomes), ballots=len(tally.ballots), min_votes=min_votes,
                        covered=_covered(tally, winners), details=extra or {})
