"""The projects volunteer hours can be logged on: the organisation's own applications (funds)
and conventions (conventions).

Reference format, the same on the pages, in the API and in the ``projet`` column of imports:
- a convention by its reference, e.g. ``CONV-2025-0001``;
- an application by ``DOS-`` followed by its number, e.g. ``DOS-42`` (the number shown on the
  application's pages and receipt).
Any other reference is free text, accepted only when the setting
VOLUNTEERING_PROJECT_RESOLVER is empty.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass

APPLICATION_PREFIX = "DOS-"


@dataclass(frozen=True)
class Project:
    reference: str
    label: str
    start: dt.date | None
    end: dt.date | None
    application_id: int | None = None
    convention_id: int | None = None
    # The authority that funds the project: the one its attestation is addressed to.
    authority_id: int | None = None


def application_reference(application) -> str:
    """The project reference of an application (``DOS-<number>``)."""
    return f"{APPLICATION_PREFIX}{application.pk}"


def application_number(reference: str) -> int | None:
    """The application number of a reference ``DOS-<number>`` (case and spaces ignored);
    None when the text is no such reference."""
    text = (reference or "").strip().upper()
    if not text.startswith(APPLICATION_PREFIX):
        return None
    digits = text[len(APPLICATION_PREFIX):]
    if not digits.isascii() or not digits.isdigit() or len(digits) > 18:
        return None
    return int(digits) or None


# The apps that hold projects (funds: applications; conventions: conventions) register a source
# from their AppConfig.ready(): this app sits below them and never imports them.
ProjectSource = Callable[[object], Iterable[Project]]      # (organisation) -> projects

_SOURCES: dict[str, ProjectSource] = {}


def project_source_register(name: str, source: ProjectSource) -> None:
    """Add an app's projects to those volunteers may log hours on (a name again replaces)."""
    _SOURCES[name] = source


def organisation_projects(organisation) -> dict[str, Project]:
    """The organisation's projects by reference, with their period, from every registered
    source (funds: applications from their submission on; conventions: every convention, a
    terminated one until its termination date). One query per source."""
    return {project.reference: project for source in _SOURCES.values()
            for project in source(organisation)}


def project_periods(organisation) -> dict[str, tuple]:
    """The default VOLUNTEERING_PROJECT_RESOLVER: {reference: (start, end)} of the
    organisation's applications and conventions; hours outside a period, or on a reference
    not in this map, are refused."""
    return {ref: (p.start, p.end) for ref, p in organisation_projects(organisation).items()}


def project_links(organisation, references) -> dict[str, tuple[int | None, int | None]]:
    """{reference: (application id, convention id)} for the given references that designate
    one of the organisation's applications or conventions; free-text references are absent."""
    wanted = {r for r in references if r}
    if not wanted:
        return {}
    return {ref: (p.application_id, p.convention_id)
            for ref, p in organisation_projects(organisation).items() if ref in wanted}
