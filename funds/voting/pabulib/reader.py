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
from dataclasses import dataclass, field
from decimal import Decimal

from django.conf import settings
from django.utils.translation import gettext as _

from .format import (
    INTEGER_RE,
    SECTIONS,
    SUPPORTED_VOTE_TYPES,
    PabulibError,
    PabulibInstance,
    PbProject,
    PbVote,
    parse_number,
)


def _split_ids(cell: str) -> list[str]:
    return [part.strip() for part in cell.split(",")] if cell.strip() else []


@dataclass
class _Errors:
    """Every problem found, in reading order, as French messages starting with their line."""

    messages: list[str] = field(default_factory=list)

    def at(self, line: int, message: str, **params) -> None:
        self.messages.append(_("ligne %(line)s : %(message)s")
                             % {"line": line, "message": message % params})

    def of_file(self, message: str) -> None:
        self.messages.append(message)

    def raise_if_any(self) -> None:
        if self.messages:
            raise PabulibError(self.messages)


@dataclass
class _Row:
    line: int
    cells: dict[str, str]


@dataclass
class _Sections:
    """What the first pass keeps: META entries and their lines, the project and vote rows."""

    meta: dict[str, str] = field(default_factory=dict)
    meta_lines: dict[str, int] = field(default_factory=dict)
    project_rows: list[_Row] = field(default_factory=list)
    vote_rows: list[_Row] = field(default_factory=list)
    seen: list[str] = field(default_factory=list)


@dataclass
class _SectionReader:
    """First pass over the CSV rows: sections in order, headers, rows of the right width."""

    errors: _Errors
    found: _Sections = field(default_factory=_Sections)
    section: str = ""
    header: list[str] | None = None

    def read(self, lines: list[str]) -> _Sections:
        reader = csv.reader(lines, delimiter=";")
        try:
            for row in reader:
                if not self._row(reader.line_num, [cell.strip() for cell in row]):
                    break
        except csv.Error as exc:
            self.errors.at(reader.line_num, _("ligne CSV illisible (%(detail)s)."),
                           detail=str(exc))
        return self.found

    def _row(self, line: int, cells: list[str]) -> bool:
        """Read one row; False when reading must stop (no META first)."""
        if not cells or cells == [""]:
            return True
        if len(cells) == 1 and cells[0].lower() in SECTIONS:
            self._start_section(line, cells[0])
        elif not self.section:
            self.errors.at(line, _("le fichier doit commencer par la ligne « META »."))
            return False
        elif self.header is None:
            self.header = cells
            _check_header(self.section, cells, line, self.errors.at)
        elif len(cells) != len(self.header):
            self.errors.at(line, _("%(found)s colonnes au lieu de %(expected)s."),
                           found=len(cells), expected=len(self.header))
        else:
            self._keep(line, cells)
        return True

    def _start_section(self, line: int, title: str) -> None:
        name, seen = title.lower(), self.found.seen
        if name in seen:
            self.errors.at(line, _("section « %(name)s » en double."), name=title)
        expected = SECTIONS[len(seen)] if len(seen) < len(SECTIONS) else None
        if expected and name != expected:
            self.errors.at(line, _("section « %(name)s » inattendue, « %(expected)s » attendue."),
                           name=title, expected=expected.upper())
        seen.append(name)
        self.section, self.header = name, None

    def _keep(self, line: int, cells: list[str]) -> None:
        if self.section == "meta":
            if len(cells) != 2:
                return   # the header's width was already reported
            key, value = cells
            if key in self.found.meta:
                self.errors.at(line, _("clé « %(key)s » en double dans META."), key=key)
            self.found.meta[key] = value
            self.found.meta_lines[key] = line
            return
        row = _Row(line=line, cells=dict(zip(self.header, cells, strict=True)))
        rows = self.found.project_rows if self.section == "projects" else self.found.vote_rows
        rows.append(row)


def _decoded(content: str | bytes) -> str:
    """The file as text, within the size limit; PabulibError otherwise."""
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
    return content


def _bounded_lines(text: str) -> list[str]:
    """The lines of the file; PabulibError at the first one longer than the limit."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    limit = settings.TABLE_IMPORT_MAX_LINE_CHARS
    too_long = next((number for number, line in enumerate(lines, start=1) if len(line) > limit),
                    None)
    if too_long is not None:
        raise PabulibError([_("ligne %(line)s : plus de %(max)s caractères.")
                            % {"line": too_long, "max": limit}])
    return lines


def _check_sections_present(found: _Sections, errors: _Errors) -> None:
    for name in SECTIONS:
        if name not in found.seen:
            errors.of_file(_("fichier : section « %(name)s » absente.") % {"name": name.upper()})


def _check_meta(found: _Sections, vote_type: str, errors: _Errors) -> None:
    """The budget is there and readable; the vote type is one we give a meaning to."""
    if "budget" not in found.meta:
        errors.of_file(_("META : clé « budget » absente."))
    else:
        try:
            parse_number(found.meta["budget"])
        except ValueError:
            errors.at(found.meta_lines["budget"], _("budget illisible « %(value)s »."),
                      value=found.meta["budget"])
    if vote_type not in SUPPORTED_VOTE_TYPES:
        errors.at(found.meta_lines["vote_type"],
                  _("type de vote « %(value)s » non pris en charge (acceptés : %(types)s)."),
                  value=vote_type, types=", ".join(SUPPORTED_VOTE_TYPES))


def _read_projects(rows: list[_Row], errors: _Errors) -> list[PbProject]:
    """Every project row (even a faulty one, so that votes naming it are not reported twice)."""
    projects: list[PbProject] = []
    ids: set[str] = set()
    for row in rows:
        cells = row.cells
        project_id, cost_text, name = cells.pop("project_id"), cells.pop("cost"), cells.pop("name", "")
        if not project_id:
            errors.at(row.line, _("identifiant de projet vide."))
        elif "," in project_id:
            errors.at(row.line, _("identifiant de projet « %(id)s » contenant une virgule."),
                      id=project_id)
        elif project_id in ids:
            errors.at(row.line, _("projet « %(id)s » en double."), id=project_id)
        ids.add(project_id)
        try:
            cost = parse_number(cost_text)
        except ValueError:
            errors.at(row.line, _("coût illisible « %(value)s »."), value=cost_text)
            cost = Decimal(0)
        projects.append(PbProject(id=project_id, cost=cost, name=name, extra=cells))
    return projects


def _read_votes(rows: list[_Row], ids: set[str], vote_type: str, errors: _Errors) -> list[PbVote]:
    votes: list[PbVote] = []
    voter_ids: set[str] = set()
    for row in rows:
        cells = row.cells
        voter_id, vote = cells.pop("voter_id"), _split_ids(cells.pop("vote"))
        points_text = cells.pop("points", None)
        if not voter_id:
            errors.at(row.line, _("identifiant de votant vide."))
        elif voter_id in voter_ids:
            errors.at(row.line, _("votant « %(id)s » en double."), id=voter_id)
        voter_ids.add(voter_id)
        _check_vote_projects(row.line, vote, ids, errors)
        points = _read_points(row.line, vote, points_text, vote_type, errors)
        votes.append(PbVote(voter_id=voter_id, vote=vote, points=points, extra=cells))
    return votes


def _check_vote_projects(line: int, vote: list[str], ids: set[str], errors: _Errors) -> None:
    unknown = [project_id for project_id in vote if project_id not in ids]
    if unknown:
        errors.at(line, _("projet inconnu « %(id)s » dans le vote."), id=", ".join(unknown))
    if len(set(vote)) != len(vote):
        errors.at(line, _("le vote cite plusieurs fois le même projet."))


def _read_points(line: int, vote: list[str], points_text: str | None, vote_type: str,
                 errors: _Errors) -> list[int] | None:
    """The points parallel to the vote, None when the row has none (or unreadable ones)."""
    if points_text is None or not (points_text or vote_type == "cumulative"):
        if vote_type == "cumulative" and vote:
            errors.at(line, _("points absents pour un vote cumulatif."))
        return None
    raw_points = _split_ids(points_text)
    if len(raw_points) != len(vote):
        errors.at(line, _("%(points)s points pour %(projects)s projets."),
                  points=len(raw_points), projects=len(vote))
    bad = [value for value in raw_points if not INTEGER_RE.match(value)]
    if bad:
        errors.at(line, _("points illisibles « %(value)s »."), value=", ".join(bad))
        return None
    return [int(value) for value in raw_points]


def parse_pb(content: str | bytes) -> PabulibInstance:
    """Parse a ``.pb`` file.

    Invariant: either a complete instance whose every ballot names known projects (with valid
    points when the vote type has points), or :class:`PabulibError` listing every problem with
    its line number — never a partial instance.
    """
    lines = _bounded_lines(_decoded(content))
    errors = _Errors()
    found = _SectionReader(errors).read(lines)
    _check_sections_present(found, errors)
    errors.raise_if_any()
    vote_type = found.meta.get("vote_type", "approval")
    _check_meta(found, vote_type, errors)
    projects = _read_projects(found.project_rows, errors)
    votes = _read_votes(found.vote_rows, {project.id for project in projects}, vote_type, errors)
    errors.raise_if_any()
    return PabulibInstance(meta=found.meta, projects=projects, votes=votes)


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
