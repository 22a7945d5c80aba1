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

from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from decimal import Decimal
from enum import StrEnum
from fractions import Fraction

from django.utils.translation import gettext as _

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

    @classmethod
    def from_dict(cls, data: dict) -> WinnerResult:
        """The result back from its stored form (:meth:`as_dict`)."""
        def money(value):
            return Decimal(value) if value is not None else None

        outcomes = tuple(ProjectOutcome(
            project_id=p["project_id"], cost=Decimal(p["cost"]), votes=p["votes"],
            score=p["score"], won=p["won"], reason=Reason(p["reason"]), rank=p["rank"],
            remaining=money(p["remaining"]), supporters_money=money(p["supporters_money"]),
            stopped_at=p["stopped_at"], required=p.get("required"),
            blocked_by=p.get("blocked_by"), payers=p.get("payers"), share=money(p.get("share")),
            exhausted=p.get("exhausted")) for p in data["projects"])
        return cls(rule=data["rule"], budget=Decimal(data["budget"]),
                   winners=tuple(data["winners"]), spent=Decimal(data["spent"]),
                   projects=outcomes, ballots=data["ballots"], min_votes=data.get("min_votes"),
                   covered=data.get("covered", 0), details=data.get("details") or {})

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
