"""Winner rules of participatory budgets: pure functions, plain values in and out, no ORM.

Inputs, for every rule:

- ``projects``: mapping project id (str) -> cost (Decimal, >= 0). Its order does not matter.
- ``ballots``: iterable of ballots; a ballot is either a sequence of project ids (approval, or an
  ordinal ballot read as the approval of its ranked projects) or a mapping project id -> points
  (cumulative). The order of the ballots never matters.
- ``budget``: the envelope (Decimal).

Output: :class:`WinnerResult`, auditable — winners in order of selection, spent, budget, and for
every project its votes, whether it won and, if not, why (:class:`Reason`).

Rules (``RULES``):

- ``greedy``: projects sorted by score descending (score = number of ballots naming the project;
  for cumulative ballots the sum of its points); walking down the list, a project wins if its
  cost fits in what is left of the envelope, otherwise it is skipped and the walk goes on.
  Equal to pabutools' ``greedy_utilitarian_welfare`` with ``Cost_Sat`` (for approval ballots the
  satisfaction per euro of a project is exactly its number of votes; for cumulative ballots, with
  a cost satisfaction weighted by the points).
- ``greedy-no-skip``: the same walk, stopped at the first project that does not fit (Gdynia).
- ``mes``: Method of Equal Shares with cost satisfaction (equalshares.net), exact rational
  arithmetic; equal to pabutools' ``method_of_equal_shares`` with ``Cost_Sat``.
- ``mes-completed``: voters' equal shares raised by 1 % of the envelope at a time while the
  outcome stays within the envelope and is not exhaustive (pabutools'
  ``exhaustion_by_budget_increase``), then the money left goes greedily by votes (pabutools'
  ``completion_by_rule_combination`` with ``greedy_utilitarian_welfare``).

The MES rules read every ballot as an approval: a voter supports the projects named on the
ballot, whatever their points. A project of cost 0 gives no cost satisfaction, so plain ``mes``
never selects it (as pabutools); ``mes-completed`` adds it while completing (it always fits).

Tie-break (every rule): more votes first; among equal votes the cheaper project first, then the
lower project id. "Lower id" (:func:`id_order_key`): ids made only of digits come first, in
numeric order (``"9"`` before ``"10"``); every other id comes after them, in plain string order
(``"WIK/0018"`` before ``"WIK/0023"``). Mixing numeric order and string order pairwise would not
be transitive (``"2" < "10"`` but ``"10" < "1x" < "2"``), hence the two blocks. For MES "equal
votes" means equal price per euro (the rule's own ranking); cheaper, then lower id as above.

An optional ``min_votes`` (every rule) makes projects named on fewer ballots ineligible (the
number of supporters, not of points).

pabutools breaks ties by the id as a string unless told otherwise; the tests hand it our
tie-break. Its default gives the same winners anyway on every Pabulib file of the project for
``greedy`` and ``mes`` (for ``mes-completed``: checked on the 24 smaller files).
"""

from __future__ import annotations

import heapq
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass
from decimal import Decimal
from enum import StrEnum
from itertools import chain

from django.utils.translation import gettext as _

# gmpy2 (a dependency of pabutools) gives exact rationals several times faster than fractions.
from gmpy2 import mpq

from backoffice.core.money import format_eur

ProjectId = str
Ballot = Sequence[ProjectId] | Mapping[ProjectId, int]


class Rule(StrEnum):
    GREEDY = "greedy"
    GREEDY_NO_SKIP = "greedy-no-skip"
    MES = "mes"
    MES_COMPLETED = "mes-completed"


RULES = tuple(rule.value for rule in Rule)


class Reason(StrEnum):
    """Why a project won or lost; :meth:`ProjectOutcome.explanation` gives the French sentence."""

    WON = "won"
    DID_NOT_FIT = "did-not-fit"
    BELOW_MINIMUM = "below-minimum"
    WALK_STOPPED = "walk-stopped"
    SHARES_EXHAUSTED = "shares-exhausted"
    NO_SUPPORT = "no-support"
    ZERO_COST = "zero-cost"


@dataclass(frozen=True)
class ProjectOutcome:
    """The fate of one project.

    ``remaining`` is what was left of the envelope when the project was examined (greedy walks
    and completion), ``supporters_money`` what its supporters still held when MES stopped.
    """

    project_id: ProjectId
    cost: Decimal
    votes: int
    score: int
    won: bool
    reason: Reason
    rank: int
    remaining: Decimal | None = None
    supporters_money: Decimal | None = None
    stopped_at: ProjectId | None = None

    def explanation(self) -> str:
        values = {"cost": format_eur(self.cost), "remaining": format_eur(self.remaining),
                  "votes": self.votes, "money": format_eur(self.supporters_money),
                  "project": self.stopped_at}
        return {
            Reason.WON: _("Retenu."),
            Reason.DID_NOT_FIT: _("Coût %(cost)s supérieur au reste de l'enveloppe (%(remaining)s)."),
            Reason.BELOW_MINIMUM: _("%(votes)s voix, sous le minimum requis."),
            Reason.WALK_STOPPED: _("Non examiné : le dépouillement s'est arrêté au projet %(project)s "
                                   "qui ne tenait pas dans l'enveloppe (règle sans saut)."),
            Reason.SHARES_EXHAUSTED: _("Ses soutiens ne disposaient plus que de %(money)s de leurs parts "
                                       "égales pour un coût de %(cost)s."),
            Reason.NO_SUPPORT: _("Aucune voix."),
            Reason.ZERO_COST: _("Coût nul : la méthode des parts égales au coût ne lui donne aucun poids "
                                "(la variante complétée le retient)."),
        }[self.reason] % values


@dataclass(frozen=True)
class WinnerResult:
    """Invariant: ``spent`` = sum of the winners' costs <= ``budget``; one outcome per project."""

    rule: str
    budget: Decimal
    winners: tuple[ProjectId, ...]
    spent: Decimal
    projects: tuple[ProjectOutcome, ...]
    ballots: int
    min_votes: int | None = None

    @property
    def leftover(self) -> Decimal:
        return self.budget - self.spent

    def outcome(self, project_id: ProjectId) -> ProjectOutcome:
        return next(p for p in self.projects if p.project_id == project_id)

    def as_dict(self) -> dict:
        """JSON-ready form (Decimals as strings), to store a computation."""
        data = asdict(self)
        data["budget"], data["spent"] = str(self.budget), str(self.spent)
        for project in data["projects"]:
            for key in ("cost", "remaining", "supporters_money"):
                if project[key] is not None:
                    project[key] = str(project[key])
        return data


def id_order_key(project_id: ProjectId) -> tuple:
    """Total order on ids: digit-only ids first in numeric order, then the others as strings."""
    if project_id.isascii() and project_id.isdigit():
        return (0, int(project_id), project_id)
    return (1, 0, project_id)


def tie_break_key(project_id: ProjectId, cost: Decimal) -> tuple:
    """Among equal votes: the cheaper project first, then the lower id."""
    return (cost, id_order_key(project_id))


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


def _eligible(tally: _Tally, min_votes: int | None) -> set[ProjectId]:
    return {p for p in tally.projects if min_votes is None or tally.votes[p] >= min_votes}


def _result(rule: str, tally: _Tally, winners: list[ProjectId], details: dict[ProjectId, dict],
            order: list[ProjectId], min_votes: int | None) -> WinnerResult:
    spent = sum((tally.projects[p] for p in winners), Decimal(0))
    assert spent <= tally.budget
    outcomes = []
    for rank, project_id in enumerate(order, start=1):
        outcomes.append(ProjectOutcome(
            project_id=project_id, cost=tally.projects[project_id], votes=tally.votes[project_id],
            score=tally.score[project_id], won=details[project_id]["reason"] is Reason.WON,
            rank=rank, **details[project_id]))
    return WinnerResult(rule=rule, budget=tally.budget, winners=tuple(winners), spent=spent,
                        projects=tuple(outcomes), ballots=len(tally.ballots), min_votes=min_votes)


def _greedy_order(tally: _Tally, ids: Iterable[ProjectId], by: dict[ProjectId, int]) -> list[ProjectId]:
    return sorted(ids, key=lambda p: (-by[p], tie_break_key(p, tally.projects[p])))


def _walk(tally: _Tally, order: list[ProjectId], remaining: Decimal, *, stop: bool,
          details: dict[ProjectId, dict]) -> tuple[list[ProjectId], Decimal]:
    winners: list[ProjectId] = []
    stopped_at = None
    for project_id in order:
        cost = tally.projects[project_id]
        if stopped_at is not None:
            details[project_id] = {"reason": Reason.WALK_STOPPED, "remaining": remaining,
                                   "stopped_at": stopped_at}
        elif cost <= remaining:
            details[project_id] = {"reason": Reason.WON, "remaining": remaining}
            remaining -= cost
            winners.append(project_id)
        else:
            details[project_id] = {"reason": Reason.DID_NOT_FIT, "remaining": remaining}
            if stop:
                stopped_at = project_id
    return winners, remaining


def _greedy(rule: Rule, projects, ballots, budget, min_votes, stop: bool) -> WinnerResult:
    tally = _tally(projects, ballots, budget)
    eligible = _eligible(tally, min_votes)
    order = _greedy_order(tally, eligible, tally.score)
    details: dict[ProjectId, dict] = {}
    winners, _remaining = _walk(tally, order, tally.budget, stop=stop, details=details)
    below = _greedy_order(tally, set(tally.projects) - eligible, tally.score)
    for project_id in below:
        details[project_id] = {"reason": Reason.BELOW_MINIMUM}
    return _result(rule, tally, winners, details, order + below, min_votes)


def greedy(projects: Mapping[ProjectId, Decimal], ballots: Iterable[Ballot], budget: Decimal, *,
           min_votes: int | None = None) -> WinnerResult:
    """Greedy by votes with skipping.

    Invariants: the winners fit in the budget; the result is maximal (every eligible loser costs
    more than the money left when it was examined, hence more than the final leftover); it
    depends neither on the order of the ballots nor of the projects (explicit tie-break).
    """
    return _greedy(Rule.GREEDY, projects, ballots, budget, min_votes, stop=False)


def greedy_no_skip(projects: Mapping[ProjectId, Decimal], ballots: Iterable[Ballot], budget: Decimal, *,
                   min_votes: int | None = None) -> WinnerResult:
    """Greedy by votes that stops at the first project that does not fit (Gdynia's rule).

    Invariant: the winners are a prefix of the greedy ranking and fit in the budget.
    """
    return _greedy(Rule.GREEDY_NO_SKIP, projects, ballots, budget, min_votes, stop=True)


class _EqualShares:
    """Exact MES with cost satisfaction on approval ballots.

    Voters with the same ballot always hold the same money (they start equal and pay the same
    shares), so they are grouped into ballot types with a multiplicity. Money values live in
    "classes" (a type points to its class) and each project keeps how many of its supporters sit
    in each class, recounted only when a project sharing voters with it was paid for. Voters with no money left are dropped: they can pay
    nothing and pabutools' walk skips them alike. Same algorithm as pabutools' ``mes_inner_algo``
    (lazy re-evaluation: a project's price per euro only grows), in exact rationals.
    """

    def __init__(self, tally: _Tally, eligible: set[ProjectId]):
        self.tally = tally
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
        money = [total / self.voters]          # class id -> money of each voter in the class
        type_class = [0] * len(self.type_counts)   # -1: no money left
        in_class = {p: {0: self.support[p]} for p in self.candidates}
        winners: list[ProjectId] = []
        # Lower bound of each project's price per euro, as in pabutools: cost / total satisfaction;
        # a heap visits projects by increasing bound, exactly compared.
        heap = [(mpq(1, self.tally.votes[p]), n, p) for n, p in enumerate(self.candidates)]
        heapq.heapify(heap)
        remaining = set(self.candidates)
        dirty: set[ProjectId] = set()
        while True:
            best: mpq | None = None
            tied: list[ProjectId] = []
            visited = []
            while heap:
                bound, n, project_id = heap[0]
                cost = self.cost[project_id]
                if project_id in dirty:
                    in_class[project_id] = self._classes(project_id, type_class)
                    dirty.discard(project_id)
                groups = [(money[c], k) for c, k in in_class[project_id].items()]
                if sum(amount * k for amount, k in groups) < cost:
                    heapq.heappop(heap)          # unaffordable now, hence for ever
                    remaining.discard(project_id)
                    continue
                if best is not None and bound > best:
                    break
                heapq.heappop(heap)
                rho = self._price(cost, groups)
                visited.append((rho, n, project_id))
                if best is None or rho < best:
                    best, tied = rho, [project_id]
                elif rho == best:
                    tied.append(project_id)
            if not tied:
                return winners, [money[c] if c >= 0 else mpq(0) for c in type_class]
            chosen = min(tied, key=lambda p: tie_break_key(p, self.tally.projects[p]))
            winners.append(chosen)
            remaining.discard(chosen)
            for item in visited:
                if item[2] != chosen:
                    heapq.heappush(heap, item)
            self._pay(chosen, best * self.cost[chosen], money, type_class)
            dirty |= self.neighbours[chosen]

    def _pay(self, chosen, payment, money, type_class) -> None:
        """Each supporter pays min(money, payment); their types move to the matching classes."""
        moved: dict[int, int] = {}
        for index in self.supporters[chosen]:
            old = type_class[index]
            if old < 0:
                continue
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
        details[project_id] = {"reason": Reason.WON}
    losers = _greedy_order(tally, set(tally.projects) - set(winners), tally.votes)
    for project_id in losers:
        if project_id not in eligible:
            details[project_id] = {"reason": Reason.BELOW_MINIMUM}
        elif tally.votes[project_id] == 0:
            details[project_id] = {"reason": Reason.NO_SUPPORT}
        elif tally.projects[project_id] == 0:
            details[project_id] = {"reason": Reason.ZERO_COST}
        else:
            held = sum((money[i] * engine.type_counts[i] for i in engine.supporters[project_id]), mpq(0))
            details[project_id] = {"reason": Reason.SHARES_EXHAUSTED,
                                   "supporters_money": _to_decimal_cents(held)}
    return details, winners + losers


def _to_decimal_cents(value: mpq) -> Decimal:
    """Money held by voters is rational; shown rounded down to the cent (explanation only)."""
    return Decimal(int(value.numerator * 100 // value.denominator)) / 100


def equal_shares(projects: Mapping[ProjectId, Decimal], ballots: Iterable[Ballot], budget: Decimal, *,
                 min_votes: int | None = None) -> WinnerResult:
    """Method of Equal Shares, cost satisfaction, exact arithmetic.

    Invariants: every voter starts with budget / number of ballots and never pays more than
    they hold, so the winners fit in the budget; independent of the ballots' order.
    """
    tally = _tally(projects, ballots, budget)
    eligible = _eligible(tally, min_votes)
    engine = _EqualShares(tally, eligible)
    winners, money = engine.run(mpq(tally.budget))
    details, order = _mes_details(engine, winners, money, eligible, min_votes)
    return _result(Rule.MES, tally, winners, details, order, min_votes)


def equal_shares_completed(projects: Mapping[ProjectId, Decimal], ballots: Iterable[Ballot], budget: Decimal, *,
                           min_votes: int | None = None, budget_step: Decimal | None = None) -> WinnerResult:
    """MES completed as pabutools does: exhaustion by budget increase, then greedy by votes.

    The virtual envelope grows by ``budget_step`` (default 1 % of the budget) while MES's outcome
    costs at most the real budget and is not exhaustive; the last outcome within budget is kept
    and the money left goes to the remaining projects by votes (greedy with skipping). Invariant:
    the winners fit in the real budget and the result is exhaustive.
    """
    tally = _tally(projects, ballots, budget)
    eligible = _eligible(tally, min_votes)
    real = mpq(tally.budget)
    step = mpq(budget_step) if budget_step is not None else real / 100
    bound = real * (len(tally.ballots) + 1)
    selected: list[ProjectId] = []
    engine = _EqualShares(tally, eligible)
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
    completed, _left = _walk(tally, order, remaining, stop=False, details=details)
    below = _greedy_order(tally, set(tally.projects) - eligible, tally.votes)
    for project_id in below:
        details[project_id] = {"reason": Reason.BELOW_MINIMUM}
    return _result(Rule.MES_COMPLETED, tally, selected + completed, details,
                   selected + order + below, min_votes)


RULE_FUNCTIONS = {
    Rule.GREEDY: greedy,
    Rule.GREEDY_NO_SKIP: greedy_no_skip,
    Rule.MES: equal_shares,
    Rule.MES_COMPLETED: equal_shares_completed,
}


def compute_winners(rule: str, projects: Mapping[ProjectId, Decimal], ballots: Iterable[Ballot],
                    budget: Decimal, *, min_votes: int | None = None) -> WinnerResult:
    """Dispatch to the rule named ``rule`` (one of ``RULES``); same invariants as that rule."""
    try:
        function = RULE_FUNCTIONS[Rule(rule)]
    except ValueError:
        raise ValueError(_("Règle inconnue : %(rule)s.") % {"rule": rule}) from None
    return function(projects, ballots, budget, min_votes=min_votes)


def winners_by_district(rule: str, projects: Mapping[ProjectId, Decimal], districts: Mapping[ProjectId, str],
                        ballots: Iterable[Ballot], budgets: Mapping[str, Decimal], *,
                        min_votes: int | None = None) -> dict[str, WinnerResult]:
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
                                        min_votes=min_votes)
    return results
