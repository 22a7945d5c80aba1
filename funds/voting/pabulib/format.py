"""The Pabulib ``.pb`` format as plain dataclasses: instance, projects, votes, META settings.

Pure module, no ORM. What the format is and what we keep of it: see the package doc.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from decimal import Decimal

from django.utils.translation import gettext as _

SECTIONS = ("meta", "projects", "votes")
SUPPORTED_VOTE_TYPES = ("approval", "choose-1", "cumulative", "ordinal")
POINTS_VOTE_TYPES = ("cumulative", "ordinal")
# Cost and budget: plain decimal numbers; a decimal comma is accepted (pabutools does the same).
NUMBER_RE = re.compile(r"^\d+(?:[.,]\d+)?$")
INTEGER_RE = re.compile(r"^-?\d+$")
# META ``rule`` values of Pabulib -> our rule names (funds.voting.rules.RULES). ``equalshares/add1`` is
# MES completed by raising the voters' shares then greedy; on Świecie 2023 both the 1 % step of
# pabutools and a step of one unit per voter reproduce the city's outcome.
# ``greedy-threshold`` and ``greedy-exclusive`` are greedy with the META threshold / exclusive
# groups (see :func:`meta_settings`). Rules of ours without a Pabulib name are written as
# ``unknown`` with META ``backoffice_rule`` naming ours, which the import reads first.
META_RULES = {
    "greedy": "greedy",
    "greedy-no-skip": "greedy-no-skip",
    "greedy-threshold": "greedy",
    "greedy-exclusive": "greedy",
    "equalshares": "mes",
    "equalshares/add1": "mes-add1",
    "equalshares/add1-comparison": "mes-add1-comparison",
}
OUR_META_RULE = "backoffice_rule"


class PabulibError(ValueError):
    """A malformed ``.pb`` file: ``errors`` lists French messages, each starting with its line."""

    def __init__(self, errors: list[str]):
        self.errors = list(errors)
        super().__init__("\n".join(self.errors))


@dataclass
class PbProject:
    """One project row. ``extra`` holds every other column as text, in the file's order."""

    id: str
    cost: Decimal
    name: str = ""
    extra: dict[str, str] = field(default_factory=dict)

    @property
    def district(self) -> str | None:
        value = self.extra.get("district", "").strip()
        return value or None

    @property
    def categories(self) -> list[str]:
        raw = self.extra.get("category", self.extra.get("categories", ""))
        if raw.strip().lower() in ("", "none"):
            return []
        return [part.strip() for part in raw.split(",") if part.strip()]

    @property
    def selected(self) -> bool | None:
        """The city's real outcome when the file records it (``selected`` column), else None."""
        raw = self.extra.get("selected", "").strip()
        if raw == "":
            return None
        return raw not in ("0", "false", "False")


@dataclass
class PbVote:
    """One ballot. ``points`` is parallel to ``vote`` when the file has points, else None."""

    voter_id: str
    vote: list[str]
    points: list[int] | None = None
    extra: dict[str, str] = field(default_factory=dict)


@dataclass
class PabulibInstance:
    meta: dict[str, str]
    projects: list[PbProject]
    votes: list[PbVote]

    @property
    def budget(self) -> Decimal:
        return parse_number(self.meta["budget"])

    @property
    def vote_type(self) -> str:
        return self.meta.get("vote_type", "approval").strip()

    @property
    def rule(self) -> str:
        return self.meta.get("rule", "").strip()

    @property
    def winner_rule(self) -> str | None:
        """Our rule matching the META ``rule`` (or ``backoffice_rule``), None without equivalent."""
        ours = self.meta.get(OUR_META_RULE, "").strip()
        if ours:
            return ours
        return META_RULES.get(self.rule)

    @property
    def min_votes(self) -> int | None:
        """META ``min_project_score_threshold``: a lower score than this cannot win."""
        raw = self.meta.get("min_project_score_threshold", "").strip()
        return int(raw) if raw.isdigit() else None

    def costs(self) -> dict[str, Decimal]:
        """Project id -> cost, in file order: the ``projects`` argument of the winner rules."""
        return {project.id: project.cost for project in self.projects}

    def ballots(self) -> list[list[str] | dict[str, int]]:
        """The ballots as the winner rules take them: a list of ids, or ids -> points.

        Points are used only for cumulative ballots and ordinal ballots that carry points;
        every other ballot is the approval of the projects it names.
        """
        with_points = self.vote_type in POINTS_VOTE_TYPES
        return [
            dict(zip(vote.vote, vote.points, strict=True)) if with_points and vote.points is not None
            else list(vote.vote)
            for vote in self.votes
        ]

    def split_by(self, column: str = "district",
                 budgets: dict[str, Decimal] | None = None) -> dict[str, PabulibInstance]:
        """Split a city-wide instance into one instance per value of a project column.

        Invariant: every project lands in exactly one part; each ballot is restricted to the
        part's projects and a ballot naming none of them is not a ballot of that part (a voter of
        district A did not vote in district B). Budgets: ``budgets[value]`` when given, else the
        META budget split equally between the parts — Pabulib city-wide files (Toulouse 2022)
        carry only the total (8,000,000 = 20 x 400,000, the per-district files' budgets); an
        unequal split must be passed explicitly. An equal split that is not a whole number of
        cents is refused rather than rounded.
        """
        groups: dict[str, list[PbProject]] = {}
        for project in self.projects:
            key = project.extra.get(column, "").strip()
            if not key:
                raise ValueError(_("Le projet %(id)s n'a pas de valeur « %(column)s ».")
                                 % {"id": project.id, "column": column})
            groups.setdefault(key, []).append(project)
        if budgets is None:
            share = self.budget / len(groups)
            if share != share.quantize(Decimal("0.01")):
                raise ValueError(_("L'enveloppe %(budget)s ne se partage pas exactement entre "
                                   "%(count)s parts : indiquez l'enveloppe de chacune.")
                                 % {"budget": self.budget, "count": len(groups)})
            budgets = dict.fromkeys(groups, share)
        missing = sorted(set(groups) - set(budgets))
        if missing:
            raise ValueError(_("Enveloppe manquante pour : %(parts)s.") % {"parts": ", ".join(missing)})
        parts: dict[str, PabulibInstance] = {}
        for key, projects in groups.items():
            ids = {project.id for project in projects}
            votes = []
            for vote in self.votes:
                keep = [i for i, project_id in enumerate(vote.vote) if project_id in ids]
                if not keep:
                    continue
                votes.append(replace(
                    vote,
                    vote=[vote.vote[i] for i in keep],
                    points=None if vote.points is None else [vote.points[i] for i in keep],
                    extra=dict(vote.extra),
                ))
            meta = dict(self.meta)
            meta.update({"budget": str(budgets[key]), "num_projects": str(len(projects)),
                         "num_votes": str(len(votes)), "subunit": key})
            parts[key] = PabulibInstance(meta=meta, projects=list(projects), votes=votes)
        return parts


# Longest number read (digits and separator): a money amount has 12 digits at most; beyond 30
# characters a value is refused as unreadable instead of becoming a huge Decimal.
MAX_NUMBER_CHARS = 30


def parse_number(text: str) -> Decimal:
    """An exact non-negative decimal from ``400000.0``, ``8000000`` or ``12,5``; ValueError else."""
    text = text.strip()
    if len(text) > MAX_NUMBER_CHARS or not NUMBER_RE.match(text):
        raise ValueError(text)
    return Decimal(text.replace(",", "."))



# --- META settings of the winner rule (threshold, exclusive groups, category budgets) ----------

@dataclass
class MetaSettings:
    """What META says about choosing the winners, checked against the instance.

    ``rule``: ours (funds.voting.rules.RULES); ``min_score``: META ``min_project_score_threshold`` (a
    score: supporters for approval ballots, sum of points for cumulative ones);
    ``exclusive_groups``: META ``exclusive_groups``, groups separated by ``|`` and the projects of
    a group by ``,`` (``3,7|12,15``); ``budget_per_category``: META ``budget_per_category``,
    ``category:amount`` pairs separated by ``,`` (or a JSON object), applied as META
    ``budget_per_category_mode`` says (``capped``, the default, or ``reserved``).
    """

    rule: str
    min_score: int | None = None
    exclusive_groups: list[list[str]] = field(default_factory=list)
    budget_per_category: dict[str, Decimal] = field(default_factory=dict)
    category_mode: str = "capped"
