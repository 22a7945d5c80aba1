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
- ``mes-add1``: Method of Equal Shares with the Add1 completion of equalshares.net
  (https://equalshares.net/implementation/completion/ and its computation tool, "Add1"): MES is
  first run with the real envelope; then the virtual envelope starts at the largest multiple of
  the number of voters not above the real one (each voter holds a whole number of currency units)
  and grows by one unit per voter (the number of voters) at a time; each step's MES outcome is kept
  while it costs at most the real envelope, and the first step that overspends ends the
  completion (its outcome is discarded). This is the stop rule of Pabulib's checker for
  ``equalshares/add1`` files. equalshares.net's tool has an "exhaustive" option that also stops as
  soon as the kept outcome is exhaustive (no unselected project fits in the money left):
  ``stop_when_exhaustive=True``. Ties between projects of equal price per euro go, as on
  equalshares.net and in Pabulib's checker, to the cheaper project, then to the one with more
  votes, then (our addition, so that the rule never fails) to the lower id.
- ``mes-add1-comparison``: ``mes-add1`` then the comparison step of equalshares.net
  (https://equalshares.net/implementation/comparison/; Pabulib's checker, mode "satisfaction"):
  the greedy outcome (by votes, skipping what does not fit) is computed; a voter prefers the
  outcome in which more of the projects they voted for win; if strictly more voters prefer the
  greedy outcome than the Equal Shares one, greedy's winners are kept, otherwise (tie included)
  Equal Shares'. The counts are kept in the result (``comparison``).

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

:class:`Constraints` (every rule, optional) adds what cities configure around a rule:

- a vote threshold (Pabulib's ``greedy-threshold`` and META ``min_project_score_threshold``): a
  project is eligible only if its *score* reaches ``min_score`` and ``ceil(min_share x number of
  ballots)``; the score is, as in the Pabulib format, the number of supporters for approval
  ballots and the sum of points for cumulative ones. An ineligible project's outcome says how many
  votes it missed.
- exclusive groups (Pabulib's ``greedy-exclusive``: two projects on the same site): at most one
  project of a group wins; the first one selected blocks the others.
- budgets per category or district, ``capped``: the winners of a category cost at most its
  amount (a project of several categories must fit in each); ``reserved``: the rule is first run
  on each reserved category's projects with its amount, in the order given, then on every
  project not yet selected with the rest of the envelope (the reserved amounts that were not
  spent go back to it).

pabutools breaks ties by the id as a string unless told otherwise; the tests hand it our
tie-break. Its default gives the same winners anyway on every Pabulib file of the project for
``greedy`` and ``mes`` (for ``mes-completed``: checked on the 24 smaller files).
"""

from __future__ import annotations

import heapq
from collections import Counter
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field, replace
from decimal import Decimal
from enum import StrEnum
from fractions import Fraction
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
    MES_ADD1 = "mes-add1"
    MES_ADD1_COMPARISON = "mes-add1-comparison"


RULES = tuple(rule.value for rule in Rule)

# Plain French names, for every page, PDF and message a person reads (never the codes above).
RULE_LABELS = {
    Rule.GREEDY: _("Les plus votés d'abord (en passant ceux qui ne tiennent pas)"),
    Rule.GREEDY_NO_SKIP: _("Les plus votés d'abord (arrêt au premier qui ne tient pas)"),
    Rule.MES: _("Parts égales"),
    Rule.MES_COMPLETED: _("Parts égales, complétées par les plus votés"),
    Rule.MES_ADD1: _("Parts égales, parts relevées d'une unité à la fois (Add1)"),
    Rule.MES_ADD1_COMPARISON: _("Parts égales (Add1), comparées aux plus votés"),
}


def rule_label(rule: str) -> str:
    """The French name of a rule code; an unknown code is shown as is."""
    try:
        return str(RULE_LABELS[Rule(rule)])
    except ValueError:
        return rule


class CategoryMode(StrEnum):
    CAPPED = "capped"
    RESERVED = "reserved"


@dataclass(frozen=True)
class Constraints:
    """Threshold, exclusive groups and category budgets around a rule (see the module doc).

    ``categories``: project id -> its categories (or districts); ``category_budgets``: category
    -> amount, applied as ``category_mode`` says.
    """

    min_score: int | None = None
    min_share: Fraction | None = None
    exclusive: tuple[frozenset[ProjectId], ...] = ()
    categories: Mapping[ProjectId, tuple[str, ...]] = field(default_factory=dict)
    category_budgets: Mapping[str, Decimal] = field(default_factory=dict)
    category_mode: CategoryMode = CategoryMode.CAPPED

    def __post_init__(self):
        if self.min_score is not None and self.min_score < 0:
            raise ValueError(_("Le seuil de voix doit être positif."))
        if self.min_share is not None and not 0 <= self.min_share <= 1:
            raise ValueError(_("La part minimale des votants doit être comprise entre 0 et 1."))
        seen: dict[ProjectId, int] = {}
        for index, group in enumerate(self.exclusive):
            for project_id in group:
                if project_id in seen:
                    raise ValueError(_("Le projet %(id)s est dans deux groupes exclusifs.")
                                     % {"id": project_id})
                seen[project_id] = index
        if any(amount < 0 for amount in self.category_budgets.values()):
            raise ValueError(_("L'enveloppe d'une catégorie doit être positive."))

    def required_score(self, ballots: int) -> int | None:
        """The score a project needs, or None without threshold."""
        needed = []
        if self.min_score is not None:
            needed.append(self.min_score)
        if self.min_share is not None:
            share = Fraction(self.min_share) * ballots
            needed.append(-(-share.numerator // share.denominator))   # ceiling, exact
        return max(needed) if needed else None

    @property
    def capped(self) -> bool:
        return bool(self.category_budgets) and self.category_mode == CategoryMode.CAPPED

    def as_dict(self) -> dict:
        return {"min_score": self.min_score,
                "min_share": str(self.min_share) if self.min_share is not None else None,
                "exclusive": [sorted(group, key=id_order_key) for group in self.exclusive],
                "category_budgets": {k: str(v) for k, v in self.category_budgets.items()},
                "category_mode": str(self.category_mode)}


NO_CONSTRAINTS = Constraints()


class Reason(StrEnum):
    """Why a project won or lost; :meth:`ProjectOutcome.explanation` gives the French sentence."""

    WON = "won"
    DID_NOT_FIT = "did-not-fit"
    BELOW_MINIMUM = "below-minimum"
    WALK_STOPPED = "walk-stopped"
    SHARES_EXHAUSTED = "shares-exhausted"
    NO_SUPPORT = "no-support"
    ZERO_COST = "zero-cost"
    BELOW_THRESHOLD = "below-threshold"
    EXCLUSIVE = "exclusive"
    CATEGORY_FULL = "category-full"
    GREEDY_PREFERRED = "greedy-preferred"


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
    # threshold: the score required; exclusive group / category: what blocked the project
    required: int | None = None
    blocked_by: str | None = None
    # Equal Shares winners: how many supporters paid, the largest share, how many gave all they had
    payers: int | None = None
    share: Decimal | None = None
    exhausted: int | None = None

    def explanation(self) -> str:
        values = {"cost": format_eur(self.cost), "remaining": format_eur(self.remaining),
                  "votes": self.votes, "money": format_eur(self.supporters_money),
                  "project": self.stopped_at, "score": self.score, "required": self.required,
                  "missing": (self.required or 0) - self.score, "blocked": self.blocked_by,
                  "payers": self.payers, "share": format_eur(self.share),
                  "exhausted": self.exhausted}
        if self.reason is Reason.WON and self.payers:
            text = _("Payé par ses %(payers)s soutiens, chacun au plus %(share)s "
                     "de sa part égale.") % values
            if self.exhausted:
                text += " " + _("%(exhausted)s d'entre eux y ont mis tout ce qui leur restait.") % values
            return text
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
            Reason.BELOW_THRESHOLD: _("%(score)s voix pour un seuil de %(required)s : il en manquait "
                                      "%(missing)s."),
            Reason.EXCLUSIVE: _("Non retenu : le projet %(blocked)s, du même groupe exclusif (même "
                                "site), a été retenu avant lui."),
            Reason.CATEGORY_FULL: _("L'enveloppe de la catégorie « %(blocked)s » ne suffisait plus "
                                    "pour un coût de %(cost)s."),
            Reason.GREEDY_PREFERRED: _("Retenu par la méthode des parts égales, mais davantage de "
                                       "votants préféraient le résultat « les plus votés », "
                                       "qui a été gardé."),
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
    # voters with at least one winning project among the ballots counted
    covered: int = 0
    # rule-specific facts shown in explanations and reports (Add1 steps, comparison counts...)
    details: dict = field(default_factory=dict)

    @property
    def leftover(self) -> Decimal:
        return self.budget - self.spent

    @property
    def covered_share(self) -> Fraction:
        """Share of the ballots with at least one winning project (0 without ballots)."""
        return Fraction(self.covered, self.ballots) if self.ballots else Fraction(0)

    def outcome(self, project_id: ProjectId) -> ProjectOutcome:
        return next(p for p in self.projects if p.project_id == project_id)

    def as_dict(self) -> dict:
        """JSON-ready form (Decimals as strings), to store a computation."""
        data = asdict(self)
        data["budget"], data["spent"] = str(self.budget), str(self.spent)
        for project in data["projects"]:
            for key in ("cost", "remaining", "supporters_money", "share"):
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
        limits = _Limits(self.tally, self.constraints)
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
                if limits:
                    blocked = limits.blocker(project_id)
                    if blocked is not None:      # a group mate won or its category is full
                        heapq.heappop(heap)
                        remaining.discard(project_id)
                        self.blocked[project_id] = blocked
                        continue
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
            chosen = min(tied, key=self.tie_key)
            winners.append(chosen)
            remaining.discard(chosen)
            if limits:
                limits.take(chosen)
            for item in visited:
                if item[2] != chosen:
                    heapq.heappush(heap, item)
            self._pay(chosen, best * self.cost[chosen], money, type_class)
            dirty |= self.neighbours[chosen]

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


def _with_reserves(function, rule: Rule, projects: Mapping[ProjectId, Decimal], ballots: list,
                   budget: Decimal, min_votes: int | None, constraints: Constraints) -> WinnerResult:
    """Reserved category budgets: the rule on each reserved category (its projects, the ballots
    naming them, its amount), then on every project left with the rest of the envelope."""
    tally = _tally(projects, ballots, budget)
    spent_reserved = Decimal(0)
    outcomes: dict[ProjectId, ProjectOutcome] = {}
    winners: list[ProjectId] = []
    plain = replace(constraints, category_budgets={}, category_mode=CategoryMode.CAPPED)
    group_of = {p: group for group in constraints.exclusive for p in group}
    blocked: dict[ProjectId, ProjectId] = {}
    passes = []
    for category, amount in constraints.category_budgets.items():
        ids = [p for p in tally.projects if category in constraints.categories.get(p, ())
               and p not in winners and p not in blocked]
        if not ids:
            continue
        part = function({p: tally.projects[p] for p in ids}, _restrict(ballots, ids, keep_empty=False),
                        min(amount, budget - spent_reserved), min_votes=min_votes, constraints=plain)
        passes.append({"category": category, "amount": str(amount), "spent": str(part.spent),
                       "winners": list(part.winners)})
        spent_reserved += part.spent
        for project_id in part.winners:
            winners.append(project_id)
            outcomes[project_id] = part.outcome(project_id)
            for mate in group_of.get(project_id, ()):
                if mate != project_id:
                    blocked.setdefault(mate, project_id)
    rest = [p for p in tally.projects if p not in winners and p not in blocked]
    final = function({p: tally.projects[p] for p in rest}, _restrict(ballots, rest, keep_empty=True),
                     tally.budget - spent_reserved, min_votes=min_votes, constraints=plain)
    winners.extend(final.winners)
    for outcome in final.projects:
        outcomes[outcome.project_id] = outcome
    for project_id, by in blocked.items():
        outcomes[project_id] = ProjectOutcome(
            project_id=project_id, cost=tally.projects[project_id], votes=tally.votes[project_id],
            score=tally.score[project_id], won=False, reason=Reason.EXCLUSIVE, rank=0, blocked_by=by)
    ordered = sorted(outcomes.values(), key=lambda o: (not o.won, winners.index(o.project_id)
                                                       if o.won else 0, o.rank))
    ordered = [replace(o, rank=rank) for rank, o in enumerate(ordered, start=1)]
    spent = sum((tally.projects[p] for p in winners), Decimal(0))
    assert spent <= tally.budget
    return WinnerResult(rule=rule, budget=tally.budget, winners=tuple(winners), spent=spent,
                        projects=tuple(ordered), ballots=len(tally.ballots), min_votes=min_votes,
                        covered=_covered(tally, winners),
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
