"""The import itself: the whole file checked, then written all or nothing."""

from __future__ import annotations

import hashlib

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils.translation import gettext as _

from backoffice.core.audit import audit_log
from backoffice.core.models import Organisation
from backoffice.core.money import format_eur, format_hours, plural

from ..models import EntryStatus, Volunteer, VolunteerEntry
from ..permissions import can
from ..projects import project_links
from .checking import _check, _Checked
from .reading import OPTIONAL_COLUMNS, REQUIRED_COLUMNS, FileProblem, read_table
from .report import ImportReport


def volunteer_hours_import(*, organisation: Organisation, content: bytes, actor,
                           filename: str = "", dry_run: bool = True,
                           confirm_duplicates: bool = False) -> ImportReport:
    """Check a whole file of volunteer hours and, unless ``dry_run``, import it.

    All or nothing: entries are written only when no row is invalid and likely duplicates (same
    person, day, activity and project as an entry or another row) are confirmed. Imported
    entries are drafts, valued at the rate in force on their date with the organisation's
    method; unknown volunteer names become new volunteers of the organisation."""
    allowed, reason = can(actor, "volunteering.import", organisation)
    if not allowed:
        raise PermissionDenied(reason)
    report = ImportReport(filename=filename, reference=hashlib.sha256(content).hexdigest()[:16],
                          dry_run=dry_run, duplicates_confirmed=confirm_duplicates)
    if len(content) > settings.VOLUNTEERING_IMPORT_MAX_BYTES:
        report.file_errors.append(_("Le fichier dépasse la taille maximale (%(size)s Mo).") % {
            "size": settings.VOLUNTEERING_IMPORT_MAX_BYTES // (1024 * 1024)})
        return report
    try:
        header, rows = read_table(content)
    except FileProblem as exc:
        report.file_errors.append(str(exc))
        return report
    missing = [c for c in REQUIRED_COLUMNS if c not in header]
    if missing:
        report.file_errors.append(
            _("Colonnes manquantes : %(columns)s. Colonnes attendues : %(expected)s.") % {
                "columns": ", ".join(missing),
                "expected": ", ".join(REQUIRED_COLUMNS + OPTIONAL_COLUMNS)})
        return report
    report.rows = len(rows)
    if report.rows > settings.VOLUNTEERING_IMPORT_MAX_ROWS:
        report.file_errors.append(_("Le fichier dépasse %(max)s lignes : découpez-le.")
                                  % {"max": settings.VOLUNTEERING_IMPORT_MAX_ROWS})
        return report
    if not rows:
        report.file_errors.append(_("Le fichier ne contient aucune ligne d'heures."))
        return report
    with transaction.atomic():
        # Serialise imports and logging of one organisation: the 24-hour rule must hold.
        Organisation.objects.select_for_update().filter(pk=organisation.pk).first()
        checked = _check(organisation=organisation, header=header, rows=rows, report=report)
        if dry_run or not report.ok or report.needs_confirmation:
            return report
        _write(organisation=organisation, checked=checked, report=report, actor=actor)
    return report


def _write(*, organisation, checked: _Checked, report: ImportReport, actor) -> None:
    new_names, volunteers = checked.new_names, checked.volunteers
    if new_names:
        Volunteer.objects.bulk_create([Volunteer(organisation=organisation, name=name)
                                       for name in new_names.values()])
        volunteers.update({name.lower(): pk for pk, name in Volunteer.objects.filter(
            organisation=organisation).values_list("pk", "name")})
    actor_id = actor.pk if getattr(actor, "pk", None) else None
    reference = report.reference
    links = project_links(organisation, {row.project for row in checked.prepared})
    no_link = (None, None)
    entries = [
        VolunteerEntry(organisation_id=organisation.pk, volunteer_id=volunteers[row.person],
                       date=row.date, hours=row.hours, activity=row.activity,
                       qualification=row.qualification, project_reference=row.project,
                       application_id=links.get(row.project, no_link)[0],
                       convention_id=links.get(row.project, no_link)[1], note=row.note,
                       status=EntryStatus.DRAFT, valuation_method=checked.method,
                       rate=row.rate, value=row.value, import_reference=reference,
                       created_by_id=actor_id)
        for row in checked.prepared
    ]
    VolunteerEntry.objects.bulk_create(entries,
                                       batch_size=settings.VOLUNTEERING_IMPORT_BATCH_SIZE)
    report.imported = len(entries)
    report.dry_run = False
    audit_log(event="volunteer_hours_imported", obj=organisation, actor=actor,
              message=_("Import de %(count)s de bénévolat (%(hours)s, %(value)s).")
              % {"count": plural(len(entries), "saisie", "saisies"),
                 "hours": format_hours(report.hours), "value": format_eur(report.value)},
              data={**report.summary(), "file": report.filename, "reference": reference,
                    "new_volunteers": len(new_names)})
