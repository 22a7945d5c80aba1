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
from dataclasses import dataclass

from django.db.models import F
from django.utils.text import Truncator
from django.utils.translation import gettext as _

APPLICATION_PREFIX = "DOS-"


@dataclass(frozen=True)
class Project:
    reference: str
    label: str
    start: dt.date | None
    end: dt.date | None
    application_id: int | None = None
    convention_id: int | None = None


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


def organisation_projects(organisation) -> dict[str, Project]:
    """The organisation's projects by reference, with their period (two queries).

    Applications count from their submission on (a draft is not a project yet, an ineligible or
    rejected one is not funded); every convention counts, a terminated one until its
    termination date."""
    from conventions.models import Convention
    from funds.models import Application, ApplicationStatus

    projects: dict[str, Project] = {}
    applications = (Application.objects.filter(organisation=organisation)
                    .exclude(status__in=(ApplicationStatus.DRAFT, ApplicationStatus.INELIGIBLE,
                                         ApplicationStatus.REJECTED))
                    .only("pk", "title", "start_date", "end_date")
                    .annotate(convention_pk=F("award__convention__pk")).order_by("pk"))
    for application in applications:
        reference = application_reference(application)
        projects[reference] = Project(
            reference=reference, label=_("Dossier %(ref)s — %(title)s")
            % {"ref": reference, "title": application.title},
            start=application.start_date, end=application.end_date,
            application_id=application.pk, convention_id=application.convention_pk)
    conventions = (Convention.objects.filter(organisation=organisation)
                   .only("pk", "reference", "object", "start_date", "end_date", "terminated_on")
                   .order_by("start_date", "pk"))
    for convention in conventions:
        projects[convention.reference] = Project(
            reference=convention.reference, label=_("Convention %(ref)s — %(object)s")
            % {"ref": convention.reference,
               "object": Truncator(convention.object).chars(80)},
            start=convention.start_date, end=convention.terminated_on or convention.end_date,
            convention_id=convention.pk)
    return projects


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
