"""Method of Equal Shares, plain and completed by raising the shares then greedily (exact rationals)."""

from __future__ import annotations

import heapq
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal

# gmpy2 (a dependency of pabutools) gives exact rationals several times faster than fractions.
from gmpy2 import mpq

from .greedy import _greedy_order, _walk
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


@dataclass
class _RunState:
    """The money during one MES run: ``money`` class id -> money of each voter in the class;
    ``type_class`` ballot type -> its class (-1: no money left); ``in_class`` project -> class
    -> supporters; ``dirty``: projects whose supporters' classes changed."""

    limits: _Limits
    money: list[mpq]
    type_class: list[int]
    in_class: dict[ProjectId, dict[int, int]]
    heap: list
    dirty: set[ProjectId] = field(default_factory=set)


@dataclass
class _Round:
    """One round's best price per euro, the projects at that price, the projects visited."""

    best: mpq | None = None
    tied: list[ProjectId] = field(default_factory=list)
    visited: list = field(default_factory=list)


class _EqualShares:
    """Exact MES with cost satisfaction on approval ballots.

    Voters with the same ballot always hold the same money (they start equal and pay the same
    shares), so they are grouped into ballot types with a multiplicity. Money values live in
    "classes" (a type points to its class) and each project keeps how many of its supporters sit
    in each class, recounted only when a project sharing voters with it was paid for. Voters with no money left are dropped: they can pay
    nothing and pabutools' walk skips them alike. Same algorithm as pabutools' ``mes_inner_algo``
    (lazy re-evaluation: a project's price per euro only grows), in exact rationals.
    """

    def __init__(self, tally: _Tally, eligible: set[ProjectId], *, tie_key=None,
                 constraints: Constraints = NO_CONSTRAINTS):
        self.tally = tally
        self.tie_key = tie_key or (lambda p: tie_break_key(p, tally.projects[p]))
        self.constraints = constraints
        self.payments: dict[ProjectId, tuple[int, mpq, int]] = {}
        self.blocked: dict[ProjectId, dict] = {}
        self.voters = len(tally.ballots)
        self.candidates = [p for p in eligible if tally.votes[p] > 0 and tally.projects[p] > 0]
        candidate_set = frozenset(self.candidates)
        types: Counter[frozenset] = Counter(candidate_set.intersection(ballot) for ballot in tally.ballots)
        types.pop(frozenset(), None)
        self.type_projects = [tuple(key) for key in types]
        self.type_counts = list(types.values())
        self.supporters: dict[ProjectId, list[int]] = {p: [] for p in self.candidates}
        for index, key in enumerate(self.type_projects):
            for project_id in key:
                self.supporters[project_id].append(index)
        self.cost = {p: mpq(tally.projects[p]) for p in self.candidates}
        self.support = {p: sum(self.type_counts[t] for t in self.supporters[p]) for p in self.candidates}
        # Projects sharing a voter with p: their supporters' money changes when p is paid for.
        self.neighbours: dict[ProjectId, set[ProjectId]] = {p: set() for p in self.candidates}
        for key in self.type_projects:
            for project_id in key:
                self.neighbours[project_id].update(key)

    def run(self, total: mpq) -> tuple[list[ProjectId], list[mpq]]:
        """Winners in order of selection and each ballot type's money left."""
        if not self.voters:
            return [], []   # no ballot, no money: pabutools selects nothing either
        self.payments, self.blocked = {}, {}
        state = self._start(total)
        winners: list[ProjectId] = []
        while True:
            found = self._scan(state)
            if not found.tied:
                return winners, [state.money[c] if c >= 0 else mpq(0) for c in state.type_class]
            chosen = min(found.tied, key=self.tie_key)
            winners.append(chosen)
            if state.limits:
                state.limits.take(chosen)
            for item in found.visited:
                if item[2] != chosen:
                    heapq.heappush(state.heap, item)
            self._pay(chosen, found.best * self.cost[chosen], state.money, state.type_class)
            state.dirty |= self.neighbours[chosen]

    def _start(self, total: mpq) -> _RunState:
        # Lower bound of each project's price per euro, as in pabutools: cost / total satisfaction;
        # a heap visits projects by increasing bound, exactly compared.
        heap = [(mpq(1, self.tally.votes[p]), n, p) for n, p in enumerate(self.candidates)]
        heapq.heapify(heap)
        return _RunState(limits=_Limits(self.tally, self.constraints),
                         money=[total / self.voters], type_class=[0] * len(self.type_counts),
                         in_class={p: {0: self.support[p]} for p in self.candidates}, heap=heap)

    def _scan(self, state: _RunState) -> _Round:
        """One selection round: the projects of lowest price per euro (the heap is visited while
        a project's lower bound does not exceed the best price found)."""
        found = _Round()
        heap = state.heap
        while heap:
            bound, n, project_id = heap[0]
            groups = self._affordable_groups(project_id, state)
            if groups is None:
                heapq.heappop(heap)              # blocked, or unaffordable now hence for ever
                continue
            if found.best is not None and bound > found.best:
                break
            heapq.heappop(heap)
            rho = self._price(self.cost[project_id], groups)
            found.visited.append((rho, n, project_id))
            if found.best is None or rho < found.best:
                found.best, found.tied = rho, [project_id]
            elif rho == found.best:
                found.tied.append(project_id)
        return found

    def _affordable_groups(self, project_id: ProjectId,
                           state: _RunState) -> list[tuple[mpq, int]] | None:
        """The money of the project's supporters as (amount, number of voters) groups; None
        when a group mate won or its category is full (recorded), or when they cannot pay."""
        if state.limits:
            blocked = state.limits.blocker(project_id)
            if blocked is not None:
                self.blocked[project_id] = blocked
                return None
        if project_id in state.dirty:
            state.in_class[project_id] = self._classes(project_id, state.type_class)
            state.dirty.discard(project_id)
        money = state.money
        groups = [(money[c], k) for c, k in state.in_class[project_id].items()]
        if sum(amount * k for amount, k in groups) < self.cost[project_id]:
            return None
        return groups

    def _pay(self, chosen, payment, money, type_class) -> None:
        """Each supporter pays min(money, payment); their types move to the matching classes.

        Records, for the explanations, how many supporters paid, the full share and how many
        of them gave everything they had left."""
        moved: dict[int, int] = {}
        payers = exhausted = 0
        for index in self.supporters[chosen]:
            old = type_class[index]
            if old < 0:
                continue
            payers += self.type_counts[index]
            if money[old] <= payment:
                exhausted += self.type_counts[index]
            new = moved.get(old)
            if new is None:
                left = money[old] - min(money[old], payment)
                if left:
                    new = len(money)
                    money.append(left)
                else:
                    new = -1
                moved[old] = new
            type_class[index] = new
        self.payments[chosen] = (payers, payment, exhausted if exhausted < payers else 0)

    def _classes(self, project_id, type_class) -> dict[int, int]:
        """How many supporters of the project hold each money class (moneyless ones left out)."""
        classes: dict[int, int] = {}
        counts = self.type_counts
        for index in self.supporters[project_id]:
            c = type_class[index]
            if c >= 0:
                classes[c] = classes.get(c, 0) + counts[index]
        return classes

    @staticmethod
    def _price(cost: mpq, groups: list[tuple[mpq, int]]) -> mpq:
        """Smallest rho such that supporters paying min(money, rho * cost) cover the cost."""
        left = sum(k for _amount, k in groups)
        paid = mpq(0)
        for amount, count in sorted(groups):
            share = (cost - paid) / left
            if share <= amount:
                return share / cost
            paid += amount * count
            left -= count
        raise AssertionError("unaffordable project priced")


def _mes_details(engine: _EqualShares, winners: list[ProjectId], money: list[mpq],
                 eligible: set[ProjectId], min_votes: int | None) -> tuple[dict, list[ProjectId]]:
    tally = engine.tally
    details: dict[ProjectId, dict] = {}
    for project_id in winners:
        details[project_id] = {"reason": Reason.WON, **_payment_detail(engine, project_id)}
    losers = _greedy_order(tally, set(tally.projects) - set(winners), tally.votes)
    for project_id in losers:
        if project_id not in eligible:
            details[project_id] = _ineligible_detail(tally, project_id, min_votes, engine.constraints)
        elif project_id in engine.blocked:
            details[project_id] = engine.blocked[project_id]
        elif tally.votes[project_id] == 0:
            details[project_id] = {"reason": Reason.NO_SUPPORT}
        elif tally.projects[project_id] == 0:
            details[project_id] = {"reason": Reason.ZERO_COST}
        else:
            held = sum((money[i] * engine.type_counts[i] for i in engine.supporters[project_id]), mpq(0))
            details[project_id] = {"reason": Reason.SHARES_EXHAUSTED,
                                   "supporters_money": _to_decimal_cents(held)}
    return details, winners + losers


def _payment_detail(engine: _EqualShares, project_id: ProjectId) -> dict:
    if project_id not in engine.payments:
        return {}
    payers, share, exhausted = engine.payments[project_id]
    return {"payers": payers, "share": _to_decimal_cents(share, up=True), "exhausted": exhausted}


def _to_decimal_cents(value: mpq, *, up: bool = False) -> Decimal:
    """Money held by voters is rational; shown rounded down (or up) to the cent (explanation only)."""
    cents = value.numerator * 100 // value.denominator
    if up and cents * value.denominator != value.numerator * 100:
        cents += 1
    return Decimal(int(cents)) / 100


def equal_shares(projects: Mapping[ProjectId, Decimal], ballots: Iterable[Ballot], budget: Decimal, *,
                 min_votes: int | None = None, constraints: Constraints = NO_CONSTRAINTS) -> WinnerResult:
    """Method of Equal Shares, cost satisfaction, exact arithmetic.

    Invariants: every voter starts with budget / number of ballots and never pays more than
    they hold, so the winners fit in the budget; independent of the ballots' order.
    """
    tally = _tally(projects, ballots, budget)
    eligible = _eligible(tally, min_votes, constraints)
    engine = _EqualShares(tally, eligible, constraints=constraints)
    winners, money = engine.run(mpq(tally.budget))
    details, order = _mes_details(engine, winners, money, eligible, min_votes)
    return _result(Rule.MES, tally, winners, details, order, min_votes)


def equal_shares_completed(projects: Mapping[ProjectId, Decimal], ballots: Iterable[Ballot], budget: Decimal, *,
                           min_votes: int | None = None, budget_step: Decimal | None = None,
                           constraints: Constraints = NO_CONSTRAINTS) -> WinnerResult:
    """MES completed as pabutools does: exhaustion by budget increase, then greedy by votes.

    The virtual envelope grows by ``budget_step`` (default 1 % of the budget) while MES's outcome
    costs at most the real budget and is not exhaustive; the last outcome within budget is kept
    and the money left goes to the remaining projects by votes (greedy with skipping). Invariant:
    the winners fit in the real budget and the result is exhaustive.
    """
    tally = _tally(projects, ballots, budget)
    eligible = _eligible(tally, min_votes, constraints)
    real = mpq(tally.budget)
    step = mpq(budget_step) if budget_step is not None else real / 100
    bound = real * (len(tally.ballots) + 1)
    selected: list[ProjectId] = []
    engine = _EqualShares(tally, eligible, constraints=constraints)
    virtual = real
    while virtual <= bound:
        winners, _money = engine.run(virtual)
        cost = sum((tally.projects[p] for p in winners), Decimal(0))
        if cost > tally.budget:
            break
        selected = winners
        left = tally.budget - cost
        # Once MES funds every supported project, more money changes nothing: stop here
        # instead of climbing to the bound (pabutools would return this same outcome).
        if len(winners) == len(engine.candidates):
            break
        if all(tally.projects[p] > left for p in eligible.difference(winners)):
            break
        if step <= 0:
            break
        virtual += step
    details = {p: {"reason": Reason.WON} for p in selected}
    remaining = tally.budget - sum((tally.projects[p] for p in selected), Decimal(0))
    order = _greedy_order(tally, eligible.difference(selected), tally.votes)
    limits = _Limits(tally, constraints)
    for project_id in selected:
        limits.take(project_id)
    completed, _left = _walk(tally, order, remaining, stop=False, details=details, limits=limits)
    below = _greedy_order(tally, set(tally.projects) - eligible, tally.votes)
    for project_id in below:
        details[project_id] = _ineligible_detail(tally, project_id, min_votes, constraints)
    return _result(Rule.MES_COMPLETED, tally, selected + completed, details,
                   selected + order + below, min_votes)
