"""Volunteers and their hours: log (one, a session, a week), update, delete, validate, lock."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from backoffice.core.audit import audit_log
from backoffice.core.money import format_eur, format_hours, plural
from backoffice.core.notifications import Event, notify, organisation_recipients

from .. import rules, selectors
from ..models import (
    EntryStatus,
    Qualification,
    Volunteer,
    VolunteerEntry,
)
from ..projects import project_links
from ._common import (
    ENTRY_TRANSITIONS,
    _require,
    parse_hours,
)
from .checks import HoursInput, hours_check
from .valuation import _valuation


def volunteer_create(*, organisation, name: str, user=None, actor) -> Volunteer:
    """Add a volunteer (name unique in the organisation, case-insensitive)."""
    _require(actor, "volunteering.log", organisation)
    name = " ".join((name or "").split())
    volunteer = Volunteer(organisation=organisation, name=name, user=user)
    with transaction.atomic():
        volunteer.full_clean()
        volunteer.save()
    return volunteer


def volunteer_get_or_create(*, organisation, name: str, actor) -> Volunteer:
    """The organisation's volunteer of that name (case-insensitive), created when new."""
    name = " ".join((name or "").split())
    existing = Volunteer.objects.filter(organisation=organisation, name__iexact=name).first()
    return existing or volunteer_create(organisation=organisation, name=name, actor=actor)


def _check_rows(*, organisation, rows: list[dict], confirm_duplicates: bool,
                exclude_pk=None) -> None:
    """Validate rows (volunteer, date, hours, activity, project_reference) with the shared
    ``hours_check`` (the import's too): problems by field, then likely duplicates unless
    confirmed."""
    found = hours_check(
        [HoursInput(number, row["volunteer"].pk, row["volunteer"].name, row["date"],
                    row["hours"], row["activity"], row.get("project_reference", ""))
         for number, row in enumerate(rows, start=1)],
        organisation=organisation, people={row["volunteer"].pk: row["volunteer"].pk
                                           for row in rows}, exclude_pk=exclude_pk)
    if found.problems:
        errors: dict[str, list[str]] = {}
        for problem in found.problems:
            messages = errors.setdefault(problem.field, [])
            if problem.message not in messages:
                messages.append(problem.message)
        raise ValidationError(errors)
    if found.duplicates and not confirm_duplicates:
        raise ValidationError(" ".join([*(d.message for d in found.duplicates),
                                        _("Confirmez pour les enregistrer quand même.")]),
                              code="duplicate")


def entries_log(*, organisation, rows: Iterable[dict], actor, confirm_duplicates: bool = False,
                import_reference: str = "") -> list[VolunteerEntry]:
    """Log several entries at once, all or nothing (week grid, session form, API).

    Each row: volunteer (of the organisation), date, hours, activity, and optionally
    qualification, project_reference, note. Invariants: hours in ]0, 24], no future date, at
    most 24 hours per person and day across all entries, likely duplicates refused unless
    confirmed; every entry is a draft valued at the rate in force on its date."""
    _require(actor, "volunteering.log", organisation)
    rows = [dict(row) for row in rows]
    if not rows:
        raise ValidationError(_("Aucune heure à enregistrer."))
    for row in rows:
        if row["volunteer"].organisation_id != organisation.pk:
            raise ValidationError({"volunteer": _("Ce bénévole n'appartient pas à "
                                                  "l'organisation.")})
        try:
            row["hours"] = parse_hours(row["hours"])
        except ValueError as exc:
            raise ValidationError({"hours": str(exc)}) from exc
        row.setdefault("project_reference", "")
        row["project_reference"] = (row["project_reference"] or "").strip()
        row["qualification"] = row.get("qualification") or Qualification.EMPLOYEE
    rates = selectors.rate_table()
    method = selectors.valuation_method_of(organisation)
    with transaction.atomic():
        # Serialise concurrent logging for the same organisation so the 24-hour rule holds.
        type(organisation).objects.select_for_update().filter(pk=organisation.pk).first()
        _check_rows(organisation=organisation, rows=rows, confirm_duplicates=confirm_duplicates)
        links = project_links(organisation, {row["project_reference"] for row in rows})
        entries = []
        for row in rows:
            application_id, convention_id = links.get(row["project_reference"], (None, None))
            _method, rate = _valuation(organisation=organisation, on=row["date"],
                                       qualification=row["qualification"], rates=rates,
                                       method=method)
            entry = VolunteerEntry(
                organisation=organisation, volunteer=row["volunteer"], date=row["date"],
                hours=row["hours"], activity=row["activity"], qualification=row["qualification"],
                project_reference=row["project_reference"], application_id=application_id,
                convention_id=convention_id, note=row.get("note", "") or "",
                valuation_method=method, rate=rate, value=rules.entry_value(row["hours"], rate),
                created_by=actor if getattr(actor, "pk", None) else None,
                import_reference=import_reference,
            )
            entry.full_clean()
            entry.save()
            entries.append(entry)
    return entries


def entry_log(*, organisation, volunteer, date: dt.date, hours, activity: str, actor,
              qualification: str = "", project_reference: str = "", note: str = "",
              confirm_duplicates: bool = False) -> VolunteerEntry:
    """Log one entry (same guarantees as entries_log)."""
    return entries_log(organisation=organisation, actor=actor,
                       confirm_duplicates=confirm_duplicates, rows=[{
                           "volunteer": volunteer, "date": date, "hours": hours,
                           "activity": activity, "qualification": qualification,
                           "project_reference": project_reference, "note": note}])[0]


def session_log(*, organisation, volunteers: list, new_names: list[str], date: dt.date, hours,
                activity: str, actor, qualification: str = "", project_reference: str = "",
                note: str = "", confirm_duplicates: bool = False) -> list[VolunteerEntry]:
    """One session for several volunteers: the same date, hours and activity for each.

    Names not yet known become volunteers of the organisation; all or nothing (a refused
    session creates no volunteer either)."""
    with transaction.atomic():
        people = {v.pk: v for v in volunteers}
        for name in new_names:
            volunteer = volunteer_get_or_create(organisation=organisation, name=name,
                                                actor=actor)
            people[volunteer.pk] = volunteer
        return entries_log(organisation=organisation, actor=actor,
                           confirm_duplicates=confirm_duplicates, rows=[{
                               "volunteer": v, "date": date, "hours": hours,
                               "activity": activity, "qualification": qualification,
                               "project_reference": project_reference, "note": note}
                               for v in people.values()])


def entry_update(*, entry: VolunteerEntry, actor, confirm_duplicates: bool = False,
                 **fields) -> VolunteerEntry:
    """Change a draft entry (volunteer, date, hours, activity, qualification, project, note),
    re-checked and re-valued like a new one. Validated or locked entries cannot change."""
    _require(actor, "entry.edit", entry)
    with transaction.atomic():
        entry = VolunteerEntry.objects.select_for_update(of=("self",)).select_related(
            "volunteer").get(pk=entry.pk)
        if entry.status != EntryStatus.DRAFT:
            raise ValidationError(_("Seules les heures en brouillon peuvent être modifiées."))
        for name in ("volunteer", "date", "activity", "qualification", "project_reference",
                     "note"):
            if name in fields:
                setattr(entry, name, fields[name])
        if "hours" in fields:
            try:
                entry.hours = parse_hours(fields["hours"])
            except ValueError as exc:
                raise ValidationError({"hours": str(exc)}) from exc
        if entry.volunteer.organisation_id != entry.organisation_id:
            raise ValidationError({"volunteer": _("Ce bénévole n'appartient pas à "
                                                  "l'organisation.")})
        _check_rows(organisation=entry.organisation, exclude_pk=entry.pk,
                    confirm_duplicates=confirm_duplicates, rows=[{
                        "volunteer": entry.volunteer, "date": entry.date, "hours": entry.hours,
                        "activity": entry.activity,
                        "project_reference": entry.project_reference}])
        entry.project_reference = (entry.project_reference or "").strip()
        entry.application_id, entry.convention_id = project_links(
            entry.organisation, {entry.project_reference}).get(entry.project_reference,
                                                               (None, None))
        method, rate = _valuation(organisation=entry.organisation, on=entry.date,
                                  qualification=entry.qualification)
        entry.valuation_method, entry.rate = method, rate
        entry.value = rules.entry_value(entry.hours, rate)
        entry.full_clean()
        entry.save()
    return entry


def entry_delete(*, entry: VolunteerEntry, actor) -> None:
    """Delete a draft entry; validated or locked hours stay (un-validate first)."""
    _require(actor, "entry.edit", entry)
    with transaction.atomic():
        entry = VolunteerEntry.objects.select_for_update().get(pk=entry.pk)
        if entry.status != EntryStatus.DRAFT:
            raise ValidationError(_("Seules les heures en brouillon peuvent être supprimées."))
        audit_log(event="volunteer_entry_deleted", obj=entry, actor=actor, message=str(entry))
        entry.delete()


def entries_transition(*, entries: list[VolunteerEntry], to: str, actor,
                       reason: str = "") -> list[VolunteerEntry]:
    """The one place entries change status, following ENTRY_TRANSITIONS.

    All or nothing: one forbidden move refuses the whole batch. Each moved entry gets its
    history row (who, when, before/after) and its audit row, written in bulk so validating a
    whole imported file stays fast."""
    from django.contrib.contenttypes.models import ContentType
    from simple_history.utils import bulk_update_with_history

    from backoffice.core.models import AuditEvent

    to = EntryStatus(to)
    moves = []
    for entry in entries:
        current = EntryStatus(entry.status)
        if to not in ENTRY_TRANSITIONS[current]:
            raise ValidationError(_("Passage impossible de « %(from)s » à « %(to)s ».")
                                  % {"from": current.label, "to": to.label})
        moves.append((entry, current))
    user = actor if getattr(actor, "pk", None) else None
    now = timezone.now()
    for entry, current in moves:
        entry.status = to
        if to == EntryStatus.VALIDATED and current == EntryStatus.DRAFT:
            entry.validated_by, entry.validated_at = user, now
        elif to == EntryStatus.DRAFT:
            entry.validated_by, entry.validated_at = None, None
    if not moves:
        return []
    bulk_update_with_history(entries, VolunteerEntry, ["status", "validated_by", "validated_at"],
                             batch_size=2000, default_user=user,
                             default_change_reason=reason or to.value, default_date=now)
    content_type = ContentType.objects.get_for_model(VolunteerEntry)
    AuditEvent.objects.bulk_create([
        AuditEvent(actor=user, event=f"volunteer_entry_{to.value}", content_type=content_type,
                   object_id=str(entry.pk), object_repr=str(entry)[:255],
                   message=reason or to.label, data={"from": current.value, "to": to.value},
                   created_at=now)
        for entry, current in moves], batch_size=2000)
    return entries


def entry_transition(*, entry: VolunteerEntry, to: str, actor, reason: str = "") -> VolunteerEntry:
    """Move one entry (see entries_transition)."""
    return entries_transition(entries=[entry], to=to, actor=actor, reason=reason)[0]


def entries_validate(*, organisation, entry_ids: Iterable[int] | None, actor) -> int:
    """Validate draft entries of the organisation (the given ids, or every draft when None).

    Organisation admins only. Returns how many were validated; notifies the organisation once."""
    _require(actor, "volunteering.validate", organisation)
    with transaction.atomic():
        qs = VolunteerEntry.objects.select_for_update(of=("self",)).filter(
            organisation=organisation, status=EntryStatus.DRAFT)
        if entry_ids is not None:
            qs = qs.filter(pk__in=list(entry_ids))
        entries = list(qs.select_related("volunteer"))
        entries_transition(entries=entries, to=EntryStatus.VALIDATED, actor=actor)
        if entries:
            hours, value = rules.sum_totals((e.hours, e.value) for e in entries)
            notify(Event.VOLUNTEER_ENTRIES_VALIDATED, organisation, actor,
                   recipients=organisation_recipients(organisation, admins_only=True),
                   url=reverse("volunteering:organisation", args=[organisation.pk]),
                   context={"message": _("%(count)s : %(hours)s, %(value)s.")
                            % {"count": plural(len(entries), "saisie validée",
                                               "saisies validées"),
                               "hours": format_hours(hours), "value": format_eur(value)},
                            "count": len(entries), "hours": hours, "value": value})
    return len(entries)


def entries_unvalidate(*, organisation, entry_ids: Iterable[int], actor) -> int:
    """Send validated (not locked) entries back to draft, e.g. to correct them."""
    _require(actor, "volunteering.validate", organisation)
    with transaction.atomic():
        entries = list(VolunteerEntry.objects.select_for_update(of=("self",)).select_related(
            "volunteer").filter(organisation=organisation, status=EntryStatus.VALIDATED,
                                pk__in=list(entry_ids)))
        entries_transition(entries=entries, to=EntryStatus.DRAFT, actor=actor)
    return len(entries)


def entries_attach_to_convention(*, application_id: int, convention, actor) -> int:
    """Attach the hours logged on an application (``DOS-<n>``) to the convention made from its
    award, so they count in that convention's financial reports. Called when the convention
    is created; entries already tied to a convention keep it."""
    with transaction.atomic():
        count = (VolunteerEntry.objects
                 .filter(application_id=application_id, convention__isnull=True,
                         organisation=convention.organisation)
                 .update(convention=convention))
        if count:
            audit_log(event="volunteer_entries_attached", obj=convention, actor=actor,
                      message=_("%(count)s saisie(s) de bénévolat du dossier rattachée(s) à la "
                                "convention.") % {"count": count})
    return count


def entries_lock(*, organisation, year: int, project_reference: str | None = None,
                 convention=None, actor, reason: str) -> int:
    """Lock the validated entries behind an approved financial report (year, and a convention
    or a free-text project): their hours and values can no longer change. Called by the
    financial report's approval."""
    start, end = rules.year_bounds(year)
    with transaction.atomic():
        qs = VolunteerEntry.objects.select_for_update(of=("self",)).filter(
            organisation=organisation, status=EntryStatus.VALIDATED, date__range=(start, end))
        if convention is not None:
            qs = qs.filter(convention=convention)
        if project_reference is not None:
            qs = qs.filter(project_reference=project_reference)
        entries = list(qs.select_related("volunteer"))
        entries_transition(entries=entries, to=EntryStatus.LOCKED, actor=actor, reason=reason)
    return len(entries)


def entries_unlock(*, organisation, year: int, project_reference: str | None = None,
                   convention=None, actor, reason: str) -> int:
    """Unlock the entries of a financial report sent back for changes: they become validated
    again (still counted) and can be corrected after being returned to draft."""
    start, end = rules.year_bounds(year)
    with transaction.atomic():
        qs = VolunteerEntry.objects.select_for_update(of=("self",)).filter(
            organisation=organisation, status=EntryStatus.LOCKED, date__range=(start, end))
        if convention is not None:
            qs = qs.filter(convention=convention)
        if project_reference is not None:
            qs = qs.filter(project_reference=project_reference)
        entries = list(qs.select_related("volunteer"))
        entries_transition(entries=entries, to=EntryStatus.VALIDATED, actor=actor, reason=reason)
    return len(entries)
