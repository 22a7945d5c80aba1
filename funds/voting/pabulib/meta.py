"""The META settings of the winner rule (threshold, exclusive groups, category budgets), read
and checked against the instance: every problem as a French message with its line."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from django.utils.translation import gettext as _

from ..rules import RULES
from .format import (
    META_RULES,
    OUR_META_RULE,
    POINTS_VOTE_TYPES,
    MetaSettings,
    PabulibError,
    PabulibInstance,
    parse_number,
)


def _meta_line_numbers(content: str | bytes) -> dict[str, int]:
    """Line number of each META key in the raw file (for the error messages)."""
    if isinstance(content, bytes):
        content = content.decode("utf-8", errors="replace")
    lines = content.removeprefix("\ufeff").replace("\r\n", "\n").replace("\r", "\n").split("\n")
    numbers: dict[str, int] = {}
    for number, line in enumerate(lines, start=1):
        head = line.strip().strip('"').lower()
        if head in ("projects", "votes"):
            break
        key = line.split(";", 1)[0].strip().strip('"')
        numbers.setdefault(key, number)
    return numbers


def _parse_category_budgets(raw: str) -> dict[str, Decimal]:
    import json

    raw = raw.strip()
    if raw.startswith("{"):
        data = json.loads(raw)
        if not isinstance(data, dict):
            raise ValueError(raw)
        return {str(k).strip(): parse_number(str(v)) for k, v in data.items()}
    budgets = {}
    for pair in raw.split(","):
        name, sep, amount = pair.rpartition(":")
        if not sep or not name.strip():
            raise ValueError(pair)
        budgets[name.strip()] = parse_number(amount)
    return budgets


@dataclass
class _MetaErrors:
    """META problems, each starting with the line of its key (or "META :" without the file)."""

    lines: dict[str, int]
    messages: list[str] = field(default_factory=list)

    def at(self, key: str, message: str, **params) -> None:
        where = self.lines.get(key)
        prefix = _("ligne %(line)s : ") % {"line": where} if where else _("META : ")
        self.messages.append(prefix + message % params)


def _meta_rule(meta: dict[str, str], errors: _MetaErrors) -> str:
    """Our rule: META ``backoffice_rule`` first, else the Pabulib name, greedy by default."""
    ours = meta.get(OUR_META_RULE, "").strip()
    pabulib_rule = meta.get("rule", "").strip()
    if ours:
        if ours not in RULES:
            errors.at(OUR_META_RULE, _("règle « %(rule)s » inconnue (acceptées : %(rules)s)."),
                      rule=ours, rules=", ".join(RULES))
        return ours
    if not pabulib_rule:
        return "greedy"
    rule = META_RULES.get(pabulib_rule, "")
    if not rule:
        errors.at("rule", _("règle « %(rule)s » inconnue (acceptées : %(rules)s)."),
                  rule=pabulib_rule, rules=", ".join(META_RULES))
    return rule or "greedy"


def _meta_threshold(instance: PabulibInstance, errors: _MetaErrors) -> int | None:
    """META ``min_project_score_threshold``, checked against what a project can get."""
    raw = instance.meta.get("min_project_score_threshold", "").strip()
    if not raw:
        if instance.meta.get("rule", "").strip() == "greedy-threshold":
            errors.at("rule", _("règle « greedy-threshold » sans seuil "
                                "(clé « min_project_score_threshold » absente)."))
        return None
    if not (raw.isascii() and raw.isdigit()):
        errors.at("min_project_score_threshold", _("seuil « %(value)s » illisible (nombre "
                                                   "entier attendu)."), value=raw)
        return None
    threshold, voters = int(raw), len(instance.votes)
    if instance.vote_type not in POINTS_VOTE_TYPES and threshold > voters:
        errors.at("min_project_score_threshold", _("seuil de %(threshold)s voix supérieur au "
                                                   "nombre de votants (%(voters)s)."),
                  threshold=threshold, voters=voters)
    return threshold


def _meta_exclusive_groups(instance: PabulibInstance, errors: _MetaErrors) -> list[list[str]]:
    """META ``exclusive_groups``: known projects, two at least per group, one group each."""
    ids = {project.id for project in instance.projects}
    raw = instance.meta.get("exclusive_groups", "").strip()
    groups: list[list[str]] = []
    seen: dict[str, int] = {}
    for number, text in enumerate((part for part in raw.split("|") if part.strip()), start=1):
        group = [project_id.strip() for project_id in text.split(",") if project_id.strip()]
        unknown = [project_id for project_id in group if project_id not in ids]
        if unknown:
            errors.at("exclusive_groups", _("groupe exclusif %(n)s : projet inconnu « %(id)s »."),
                      n=number, id=", ".join(unknown))
        if len(set(group)) < 2:
            errors.at("exclusive_groups", _("groupe exclusif %(n)s : il faut au moins deux "
                                            "projets différents."), n=number)
        for project_id in group:
            if project_id in seen and seen[project_id] != number:
                errors.at("exclusive_groups", _("le projet « %(id)s » est à la fois dans les "
                                                "groupes exclusifs %(a)s et %(b)s : groupes "
                                                "contradictoires."),
                          id=project_id, a=seen[project_id], b=number)
            seen.setdefault(project_id, number)
        groups.append(group)
    if instance.meta.get("rule", "").strip() == "greedy-exclusive" and not groups:
        errors.at("rule", _("règle « greedy-exclusive » sans groupes (clé « exclusive_groups » "
                            "absente)."))
    return groups


def _envelope_or_none(instance: PabulibInstance) -> Decimal | None:
    try:
        return instance.budget
    except (KeyError, ValueError):
        return None


def _meta_category_budgets(instance: PabulibInstance, settings: MetaSettings,
                           errors: _MetaErrors) -> None:
    """META ``budget_per_category`` and its mode, each within the envelope, each naming
    projects; reserved budgets within the envelope together."""
    raw = instance.meta.get("budget_per_category", "").strip()
    if not raw:
        return
    try:
        budgets = _parse_category_budgets(raw)
    except ValueError:
        errors.at("budget_per_category", _("enveloppes par catégorie illisibles « %(value)s » "
                                           "(attendu : catégorie:montant,catégorie:montant)."),
                  value=raw)
        budgets = {}
    categories = {c for project in instance.projects for c in project.categories}
    categories |= {project.district for project in instance.projects if project.district}
    envelope = _envelope_or_none(instance)
    for name, amount in budgets.items():
        if envelope is not None and amount > envelope:
            errors.at("budget_per_category", _("l'enveloppe de « %(name)s » (%(amount)s) dépasse "
                                               "l'enveloppe totale (%(budget)s)."),
                      name=name, amount=amount, budget=envelope)
        if name not in categories:
            errors.at("budget_per_category", _("aucun projet dans la catégorie « %(name)s »."),
                      name=name)
    mode = instance.meta.get("budget_per_category_mode", "capped").strip() or "capped"
    if mode not in ("capped", "reserved"):
        errors.at("budget_per_category_mode", _("mode « %(mode)s » inconnu (capped ou "
                                                "reserved)."), mode=mode)
    if mode == "reserved" and envelope is not None \
            and sum(budgets.values(), Decimal(0)) > envelope:
        errors.at("budget_per_category", _("les enveloppes réservées dépassent ensemble "
                                           "l'enveloppe totale (%(budget)s)."), budget=envelope)
    settings.budget_per_category, settings.category_mode = budgets, mode


def meta_settings(instance: PabulibInstance, content: str | bytes = "") -> MetaSettings:
    """Read and check the winner-rule settings of META; PabulibError (line-numbered French
    messages, every problem) when the rule is unknown, the threshold exceeds what a project can
    get, a category budget exceeds the envelope or names no project, or exclusive groups
    contradict each other (a project in two groups, unknown project, group of one)."""
    errors = _MetaErrors(lines=_meta_line_numbers(content) if content else {})
    settings = MetaSettings(rule=_meta_rule(instance.meta, errors))
    settings.min_score = _meta_threshold(instance, errors)
    settings.exclusive_groups = _meta_exclusive_groups(instance, errors)
    _meta_category_budgets(instance, settings, errors)
    if errors.messages:
        raise PabulibError(errors.messages)
    return settings
