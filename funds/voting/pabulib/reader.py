"""Reading participatory-budget instances in the Pabulib ``.pb`` format.

Pure module: text in, plain dataclasses out (and back). No ORM; the import and export commands
build on it.

The format (https://pabulib.org/format): three sections introduced by a line ``META``,
``PROJECTS`` and ``VOTES``, each followed by a header line; cells are separated by ``;`` with CSV
double-quote quoting. META rows are ``key;value``. Columns are found by header name, their order
differs between files. Project ids are strings (``WIK/0018``, ``c12``, ``116``).

What we keep, exactly: every META entry, every project column, every vote column (as text, in
the file's column order), costs and the budget as exact decimals (``400000.0`` stays ``400000.0``).
So ``parse_pb(write_pb(x)) == x`` for any instance this module produced or accepts.

Vote types:

- ``approval`` (and ``choose-1``): ``vote`` lists the supported projects.
- ``cumulative``: ``vote`` and ``points`` are parallel lists (``15,22;2,1``); points are integers.
- ``ordinal``: ``vote`` lists projects best first; an optional ``points`` column is kept. The
  winner rules of :mod:`funds.voting.rules` read an ordinal ballot as the APPROVAL of every ranked
  project (the order is kept in the file but not used), and use its points like cumulative points
  when the file carries them.
- ``scoring`` and anything else is refused: no rule of ours gives it a meaning.

A malformed file raises :class:`PabulibError` carrying every problem found as a line-numbered
French message; nothing is returned in that case, never a partial instance.
"""

from __future__ import annotations

import csv
from decimal import Decimal

from django.conf import settings
from django.utils.translation import gettext as _

from ..rules import RULES
from .format import (
    INTEGER_RE,
    META_RULES,
    OUR_META_RULE,
    POINTS_VOTE_TYPES,
    SECTIONS,
    SUPPORTED_VOTE_TYPES,
    MetaSettings,
    PabulibError,
    PabulibInstance,
    PbProject,
    PbVote,
    parse_number,
)


def _split_ids(cell: str) -> list[str]:
    return [part.strip() for part in cell.split(",")] if cell.strip() else []


def parse_pb(content: str | bytes) -> PabulibInstance:
    """Parse a ``.pb`` file.

    Invariant: either a complete instance whose every ballot names known projects (with valid
    points when the vote type has points), or :class:`PabulibError` listing every problem with
    its line number — never a partial instance.
    """
    if isinstance(content, bytes):
        try:
            content = content.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise PabulibError([_("fichier : encodage illisible, UTF-8 attendu (octet %(pos)s).")
                                % {"pos": exc.start}]) from None
    content = content.removeprefix("\ufeff")
    if len(content) > settings.TABLE_IMPORT_MAX_BYTES:
        raise PabulibError([_("fichier : plus de %(max)s caractères, découpez-le.")
                            % {"max": settings.TABLE_IMPORT_MAX_BYTES}])
    lines = content.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    too_long = next((number for number, text in enumerate(lines, start=1)
                     if len(text) > settings.TABLE_IMPORT_MAX_LINE_CHARS), None)
    if too_long is not None:
        raise PabulibError([_("ligne %(line)s : plus de %(max)s caractères.")
                            % {"line": too_long, "max": settings.TABLE_IMPORT_MAX_LINE_CHARS}])
    reader = csv.reader(lines, delimiter=";")
    errors: list[str] = []

    def error(line: int, message: str, **params) -> None:
        errors.append(_("ligne %(line)s : %(message)s") % {"line": line, "message": message % params})

    meta: dict[str, str] = {}
    meta_lines: dict[str, int] = {}
    projects: list[PbProject] = []
    votes: list[PbVote] = []
    project_rows: list[tuple[int, dict[str, str]]] = []
    vote_rows: list[tuple[int, dict[str, str]]] = []
    seen_sections: list[str] = []
    section = ""
    header: list[str] | None = None
    try:
        for row in reader:
            line = reader.line_num
            cells = [cell.strip() for cell in row]
            if not cells or cells == [""]:
                continue
            name = cells[0].lower()
            if len(cells) == 1 and name in SECTIONS:
                if name in seen_sections:
                    error(line, _("section « %(name)s » en double."), name=cells[0])
                expected = SECTIONS[len(seen_sections)] if len(seen_sections) < 3 else None
                if expected and name != expected:
                    error(line, _("section « %(name)s » inattendue, « %(expected)s » attendue."),
                          name=cells[0], expected=expected.upper())
                seen_sections.append(name)
                section, header = name, None
                continue
            if not section:
                error(line, _("le fichier doit commencer par la ligne « META »."))
                break
            if header is None:
                header = cells
                _check_header(section, header, line, error)
                continue
            if len(cells) != len(header):
                error(line, _("%(found)s colonnes au lieu de %(expected)s."),
                      found=len(cells), expected=len(header))
                continue
            if section == "meta":
                key, value = cells
                if key in meta:
                    error(line, _("clé « %(key)s » en double dans META."), key=key)
                meta[key] = value
                meta_lines[key] = line
            elif section == "projects":
                project_rows.append((line, dict(zip(header, cells, strict=True))))
            else:
                vote_rows.append((line, dict(zip(header, cells, strict=True))))
    except csv.Error as exc:
        error(reader.line_num, _("ligne CSV illisible (%(detail)s)."), detail=str(exc))

    for name in SECTIONS:
        if name not in seen_sections:
            errors.append(_("fichier : section « %(name)s » absente.") % {"name": name.upper()})
    if errors:
        raise PabulibError(errors)

    vote_type = meta.get("vote_type", "approval")
    if "budget" not in meta:
        errors.append(_("META : clé « budget » absente."))
    else:
        try:
            parse_number(meta["budget"])
        except ValueError:
            error(meta_lines["budget"], _("budget illisible « %(value)s »."), value=meta["budget"])
    if vote_type not in SUPPORTED_VOTE_TYPES:
        error(meta_lines["vote_type"], _("type de vote « %(value)s » non pris en charge (acceptés : %(types)s)."),
              value=vote_type, types=", ".join(SUPPORTED_VOTE_TYPES))

    ids: set[str] = set()
    for line, cells in project_rows:
        project_id = cells.pop("project_id")
        cost_text = cells.pop("cost")
        name = cells.pop("name", "")
        if not project_id:
            error(line, _("identifiant de projet vide."))
        elif "," in project_id:
            error(line, _("identifiant de projet « %(id)s » contenant une virgule."), id=project_id)
        elif project_id in ids:
            error(line, _("projet « %(id)s » en double."), id=project_id)
        ids.add(project_id)
        try:
            cost = parse_number(cost_text)
        except ValueError:
            error(line, _("coût illisible « %(value)s »."), value=cost_text)
            cost = Decimal(0)
        projects.append(PbProject(id=project_id, cost=cost, name=name, extra=cells))

    voter_ids: set[str] = set()
    for line, cells in vote_rows:
        voter_id = cells.pop("voter_id")
        vote = _split_ids(cells.pop("vote"))
        points_text = cells.pop("points", None)
        if not voter_id:
            error(line, _("identifiant de votant vide."))
        elif voter_id in voter_ids:
            error(line, _("votant « %(id)s » en double."), id=voter_id)
        voter_ids.add(voter_id)
        unknown = [project_id for project_id in vote if project_id not in ids]
        if unknown:
            error(line, _("projet inconnu « %(id)s » dans le vote."), id=", ".join(unknown))
        if len(set(vote)) != len(vote):
            error(line, _("le vote cite plusieurs fois le même projet."))
        points = None
        if points_text is not None and (points_text or vote_type == "cumulative"):
            raw_points = _split_ids(points_text)
            if len(raw_points) != len(vote):
                error(line, _("%(points)s points pour %(projects)s projets."),
                      points=len(raw_points), projects=len(vote))
            bad = [value for value in raw_points if not INTEGER_RE.match(value)]
            if bad:
                error(line, _("points illisibles « %(value)s »."), value=", ".join(bad))
            else:
                points = [int(value) for value in raw_points]
        elif vote_type == "cumulative" and vote:
            error(line, _("points absents pour un vote cumulatif."))
        votes.append(PbVote(voter_id=voter_id, vote=vote, points=points, extra=cells))
    if errors:
        raise PabulibError(errors)
    return PabulibInstance(meta=meta, projects=projects, votes=votes)


def _check_header(section: str, header: list[str], line: int, error) -> None:
    required = {"meta": ("key", "value"), "projects": ("project_id", "cost"),
                "votes": ("voter_id", "vote")}[section]
    if section == "meta":
        if len(header) != 2:
            error(line, _("l'en-tête de META doit avoir deux colonnes (key;value)."))
        return
    for column in required:
        if column not in header:
            error(line, _("colonne « %(column)s » absente de l'en-tête de %(section)s."),
                  column=column, section=section.upper())
    duplicates = sorted({column for column in header if header.count(column) > 1})
    if duplicates:
        error(line, _("colonne « %(column)s » en double."), column=", ".join(duplicates))


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


def meta_settings(instance: PabulibInstance, content: str | bytes = "") -> MetaSettings:
    """Read and check the winner-rule settings of META; PabulibError (line-numbered French
    messages, every problem) when the rule is unknown, the threshold exceeds what a project can
    get, a category budget exceeds the envelope or names no project, or exclusive groups
    contradict each other (a project in two groups, unknown project, group of one)."""
    lines = _meta_line_numbers(content) if content else {}
    errors: list[str] = []

    def error(key: str, message: str, **params) -> None:
        where = lines.get(key)
        prefix = _("ligne %(line)s : ") % {"line": where} if where else _("META : ")
        errors.append(prefix + message % params)

    meta = instance.meta
    ours = meta.get(OUR_META_RULE, "").strip()
    pabulib_rule = meta.get("rule", "").strip()
    if ours:
        rule = ours
        if ours not in RULES:
            error(OUR_META_RULE, _("règle « %(rule)s » inconnue (acceptées : %(rules)s)."),
                  rule=ours, rules=", ".join(RULES))
    elif not pabulib_rule:
        rule = "greedy"
    else:
        rule = META_RULES.get(pabulib_rule, "")
        if not rule:
            error("rule", _("règle « %(rule)s » inconnue (acceptées : %(rules)s)."),
                  rule=pabulib_rule, rules=", ".join(META_RULES))
    settings = MetaSettings(rule=rule or "greedy")

    raw = meta.get("min_project_score_threshold", "").strip()
    if raw:
        if not raw.isdigit():
            error("min_project_score_threshold", _("seuil « %(value)s » illisible (nombre entier "
                                                   "attendu)."), value=raw)
        else:
            threshold = int(raw)
            voters = len(instance.votes)
            if instance.vote_type not in POINTS_VOTE_TYPES and threshold > voters:
                error("min_project_score_threshold", _("seuil de %(threshold)s voix supérieur au "
                                                       "nombre de votants (%(voters)s)."),
                      threshold=threshold, voters=voters)
            settings.min_score = threshold
    elif pabulib_rule == "greedy-threshold":
        error("rule", _("règle « greedy-threshold » sans seuil "
                        "(clé « min_project_score_threshold » absente)."))

    ids = {project.id for project in instance.projects}
    raw = meta.get("exclusive_groups", "").strip()
    seen: dict[str, int] = {}
    for number, text in enumerate((part for part in raw.split("|") if part.strip()), start=1):
        group = [project_id.strip() for project_id in text.split(",") if project_id.strip()]
        unknown = [project_id for project_id in group if project_id not in ids]
        if unknown:
            error("exclusive_groups", _("groupe exclusif %(n)s : projet inconnu « %(id)s »."),
                  n=number, id=", ".join(unknown))
        if len(set(group)) < 2:
            error("exclusive_groups", _("groupe exclusif %(n)s : il faut au moins deux projets "
                                        "différents."), n=number)
        for project_id in group:
            if project_id in seen and seen[project_id] != number:
                error("exclusive_groups", _("le projet « %(id)s » est à la fois dans les groupes "
                                            "exclusifs %(a)s et %(b)s : groupes contradictoires."),
                      id=project_id, a=seen[project_id], b=number)
            seen.setdefault(project_id, number)
        settings.exclusive_groups.append(group)
    if pabulib_rule == "greedy-exclusive" and not settings.exclusive_groups:
        error("rule", _("règle « greedy-exclusive » sans groupes (clé « exclusive_groups » "
                        "absente)."))

    raw = meta.get("budget_per_category", "").strip()
    if raw:
        try:
            budgets = _parse_category_budgets(raw)
        except ValueError:
            error("budget_per_category", _("enveloppes par catégorie illisibles « %(value)s » "
                                           "(attendu : catégorie:montant,catégorie:montant)."),
                  value=raw)
            budgets = {}
        categories = {c for project in instance.projects for c in project.categories}
        categories |= {project.district for project in instance.projects if project.district}
        try:
            envelope = instance.budget
        except (KeyError, ValueError):
            envelope = None
        for name, amount in budgets.items():
            if envelope is not None and amount > envelope:
                error("budget_per_category", _("l'enveloppe de « %(name)s » (%(amount)s) dépasse "
                                               "l'enveloppe totale (%(budget)s)."),
                      name=name, amount=amount, budget=envelope)
            if name not in categories:
                error("budget_per_category", _("aucun projet dans la catégorie « %(name)s »."),
                      name=name)
        mode = meta.get("budget_per_category_mode", "capped").strip() or "capped"
        if mode not in ("capped", "reserved"):
            error("budget_per_category_mode", _("mode « %(mode)s » inconnu (capped ou reserved)."),
                  mode=mode)
        if mode == "reserved" and envelope is not None and sum(budgets.values(), Decimal(0)) > envelope:
            error("budget_per_category", _("les enveloppes réservées dépassent ensemble "
                                           "l'enveloppe totale (%(budget)s)."), budget=envelope)
        settings.budget_per_category, settings.category_mode = budgets, mode
    if errors:
        raise PabulibError(errors)
    return settings
