"""Writes of the volunteering app: log, validate, lock, re-value, attest.

Every business action is one function here, called by pages, API, commands and tasks alike.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from decimal import Decimal, InvalidOperation

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from backoffice.core.audit import audit_log
from backoffice.core.notifications import Event, notify, organisation_recipients

from . import rules, selectors
from .models import (
    Activity,
    AttestationStatus,
    EntryStatus,
    Qualification,
    ValuationRate,
    Volunteer,
    VolunteerAttestation,
    VolunteerEntry,
    VolunteeringProfile,
)
from .permissions import can

ENTRY_TRANSITIONS = {
    EntryStatus.DRAFT: {EntryStatus.VALIDATED},
    EntryStatus.VALIDATED: {EntryStatus.DRAFT, EntryStatus.LOCKED},
    # A locked entry backs an approved financial report: only the report's reopening unlocks it.
    EntryStatus.LOCKED: {EntryStatus.VALIDATED},
}
ATTESTATION_TRANSITIONS = {
    AttestationStatus.PENDING: {AttestationStatus.READY, AttestationStatus.FAILED},
    AttestationStatus.READY: {AttestationStatus.PENDING},
    AttestationStatus.FAILED: {AttestationStatus.PENDING},
}


def _require(user, action: str, obj) -> None:
    allowed, reason = can(user, action, obj)
    if not allowed:
        raise PermissionDenied(reason)


def rate_message(exc: rules.RateMissing) -> str:
    kind, qualification, on = exc.args
    return _("Aucun taux de valorisation (%(kind)s%(qualification)s) n'est en vigueur le "
             "%(date)s.") % {"kind": kind, "qualification": f", {qualification}" if qualification
                             else "", "date": on.strftime("%d/%m/%Y")}


def project_message(problem: str, reference: str, day: dt.date, periods: dict) -> str:
    """French explanation of rules.project_problem's answer."""
    if problem == rules.UNKNOWN_PROJECT:
        return _("Projet inconnu : « %(reference)s ».") % {"reference": reference}
    start, end = periods[reference]
    bound = start if problem == rules.BEFORE_PROJECT else end
    text = (_("Le %(date)s est avant le début du projet « %(reference)s » (%(bound)s).")
            if problem == rules.BEFORE_PROJECT else
            _("Le %(date)s est après la fin du projet « %(reference)s » (%(bound)s)."))
    return text % {"date": day.strftime("%d/%m/%Y"), "reference": reference,
                   "bound": bound.strftime("%d/%m/%Y")}


def parse_hours(value) -> Decimal:
    """Hours as Decimal from '3', '2,5', '2.5' or a Decimal; ValueError with a French message."""
    if isinstance(value, float):
        raise TypeError("Les heures ne passent jamais par un float.")
    if isinstance(value, Decimal):
        hours = value
    else:
        text = str(value).strip().replace(",", ".").replace(" ", "").lower().removesuffix("h")
        try:
            hours = Decimal(text)
        except InvalidOperation as exc:
            raise ValueError(_("Nombre d'heures illisible : « %(value)s ».") % {"value": value}) \
                from exc
    if not hours.is_finite() or hours <= 0:
        raise ValueError(_("Le nombre d'heures doit être strictement positif."))
    if hours > rules.MAX_HOURS_PER_DAY:
        raise ValueError(_("Une personne ne peut pas donner plus de 24 heures en un jour."))
    if hours != hours.quantize(Decimal("0.01")):
        raise ValueError(_("Les heures se saisissent au centième d'heure au plus."))
    return hours.quantize(Decimal("0.01"))


# ---- valuation -------------------------------------------------------------------------------

def organisation_set_valuation_method(*, organisation, method: str, actor) -> VolunteeringProfile:
    """Record the organisation's valuation method. Existing entries keep their stored value:
    applying the new method to them is an explicit re-valuation (entries_revalue)."""
    _require(actor, "volunteering.manage", organisation)
    with transaction.atomic():
        profile, _created = VolunteeringProfile.objects.select_for_update().get_or_create(
            organisation=organisation)
        previous = profile.valuation_method
        profile.valuation_method = method
        profile.full_clean()
        profile.save()
        audit_log(event="volunteer_valuation_method_changed", obj=organisation, actor=actor,
                  message=_("Méthode de valorisation du bénévolat : %(method)s.")
                  % {"method": profile.get_valuation_method_display()},
                  data={"from": previous, "to": method})
    return profile


def valuation_rate_create(*, kind: str, valid_from: dt.date, value: Decimal, qualification: str = "",
                          source: str = "", actor) -> ValuationRate:
    """Add a dated rate. It applies to entries logged afterwards; stored values do not move."""
    _require(actor, "volunteering.rates", None)
    with transaction.atomic():
        rate = ValuationRate(kind=kind, valid_from=valid_from, value=value,
                             qualification=qualification, source=source)
        rate.full_clean()
        rate.save()
        audit_log(event="volunteer_rate_created", obj=rate, actor=actor, message=str(rate))
    return rate


def _valuation(*, organisation, on: dt.date, qualification: str, rates=None,
               method: str | None = None) -> tuple[str, Decimal]:
    method = method or selectors.valuation_method_of(organisation)
    try:
        rate = rules.hourly_rate(rates if rates is not None else selectors.rate_table(),
                                 method=method, on=on, qualification=qualification)
    except rules.RateMissing as exc:
        raise ValidationError({"date": rate_message(exc)}) from exc
    return method, rate


def entries_revalue(*, organisation, year: int, actor) -> dict:
    """Re-value the organisation's draft and validated entries of ``year`` with its current
    method and the rates now in force on each entry's date.

    Locked entries (used by an approved financial report) never move. Audited with the totals
    before and after."""
    _require(actor, "volunteering.revalue", organisation)
    start, end = rules.year_bounds(year)
    rates = selectors.rate_table()
    method = selectors.valuation_method_of(organisation)
    with transaction.atomic():
        entries = list(VolunteerEntry.objects.select_for_update().filter(
            organisation=organisation, date__range=(start, end),
            status__in=[EntryStatus.DRAFT, EntryStatus.VALIDATED]))
        before = sum((e.value for e in entries), rules.ZERO)
        changed = []
        for entry in entries:
            _method, rate = _valuation(organisation=organisation, on=entry.date,
                                       qualification=entry.qualification, rates=rates,
                                       method=method)
            value = rules.entry_value(entry.hours, rate)
            if (entry.valuation_method, entry.rate, entry.value) != (method, rate, value):
                entry.valuation_method, entry.rate, entry.value = method, rate, value
                entry._change_reason = "revaluation"
                entry.save(update_fields=["valuation_method", "rate", "value"])
                changed.append(entry.pk)
        after = sum((e.value for e in entries), rules.ZERO)
        audit_log(event="volunteer_entries_revalued", obj=organisation, actor=actor,
                  message=_("Revalorisation des heures de bénévolat %(year)s : %(before)s € → "
                            "%(after)s €.") % {"year": year, "before": before, "after": after},
                  data={"year": year, "changed": len(changed), "before": str(before),
                        "after": str(after), "method": method})
    return {"changed": len(changed), "before": before, "after": after}


# ---- volunteers ------------------------------------------------------------------------------

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


# ---- logging ---------------------------------------------------------------------------------

def _check_rows(*, organisation, rows: list[dict], confirm_duplicates: bool,
                exclude_pk=None) -> None:
    """Validate rows (volunteer, date, hours, activity, project_reference) together: future
    dates, unknown projects and dates outside a project's period, the 24-hour rule across saved
    entries and the rows themselves, likely duplicates."""
    today = timezone.localdate()
    errors: list[str] = []
    for row in rows:
        if row["date"] > today:
            errors.append(_("%(name)s : le %(date)s est une date future.")
                          % {"name": row["volunteer"].name, "date": f"{row['date']:%d/%m/%Y}"})
        if row["activity"] not in Activity.values:
            errors.append(_("Activité inconnue : « %(value)s ».") % {"value": row["activity"]})
    if errors:
        raise ValidationError({"date": errors})
    periods = selectors.project_periods(organisation=organisation)
    project_errors = []
    for row in rows:
        reference = row.get("project_reference", "")
        problem = rules.project_problem(reference, row["date"], periods)
        if problem is not None:
            message = project_message(problem, reference, row["date"], periods)
            if message not in project_errors:
                project_errors.append(message)
    if project_errors:
        raise ValidationError({"project_reference": project_errors})
    start = min(r["date"] for r in rows)
    end = max(r["date"] for r in rows)
    existing = selectors.day_hours(volunteer_ids={r["volunteer"].pk for r in rows}, start=start,
                                   end=end, exclude_pk=exclude_pk)
    over = rules.days_over_limit(existing, [(r["volunteer"].pk, r["date"], r["hours"])
                                            for r in rows])
    if over:
        names = {r["volunteer"].pk: r["volunteer"].name for r in rows}
        raise ValidationError({"hours": [
            _("%(name)s aurait %(total)s heures le %(date)s : plus de 24 heures en un jour.")
            % {"name": names[pk], "total": total, "date": f"{day:%d/%m/%Y}"}
            for (pk, day), total in sorted(over.items(), key=lambda item: item[0][1])]})
    if not confirm_duplicates:
        keys = selectors.duplicate_keys(organisation=organisation, start=start, end=end,
                                        exclude_pk=exclude_pk)
        seen = set()
        duplicates = []
        for r in rows:
            key = (r["volunteer"].pk, r["date"], r["activity"], r.get("project_reference", ""))
            if key in keys or key in seen:
                duplicates.append(_("%(name)s, le %(date)s (%(activity)s)") % {
                    "name": r["volunteer"].name, "date": f"{r['date']:%d/%m/%Y}",
                    "activity": Activity(r["activity"]).label})
            seen.add(key)
        if duplicates:
            raise ValidationError(
                _("Doublon probable : des heures existent déjà pour %(list)s. Confirmez pour "
                  "les enregistrer quand même.") % {"list": " ; ".join(duplicates)},
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
        entries = []
        for row in rows:
            _method, rate = _valuation(organisation=organisation, on=row["date"],
                                       qualification=row["qualification"], rates=rates,
                                       method=method)
            entry = VolunteerEntry(
                organisation=organisation, volunteer=row["volunteer"], date=row["date"],
                hours=row["hours"], activity=row["activity"], qualification=row["qualification"],
                project_reference=row["project_reference"], note=row.get("note", "") or "",
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
        entry = VolunteerEntry.objects.select_for_update().select_related("volunteer").get(
            pk=entry.pk)
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


def entry_transition(*, entry: VolunteerEntry, to: str, actor, reason: str = "") -> VolunteerEntry:
    """The one place an entry changes status, following ENTRY_TRANSITIONS; audited."""
    to = EntryStatus(to)
    current = EntryStatus(entry.status)
    if to not in ENTRY_TRANSITIONS[current]:
        raise ValidationError(_("Passage impossible de « %(from)s » à « %(to)s ».")
                              % {"from": current.label, "to": to.label})
    entry.status = to
    update = ["status"]
    if to == EntryStatus.VALIDATED and current == EntryStatus.DRAFT:
        entry.validated_by = actor if getattr(actor, "pk", None) else None
        entry.validated_at = timezone.now()
        update += ["validated_by", "validated_at"]
    elif to == EntryStatus.DRAFT:
        entry.validated_by, entry.validated_at = None, None
        update += ["validated_by", "validated_at"]
    entry._change_reason = reason or to.value
    entry.save(update_fields=update)
    audit_log(event=f"volunteer_entry_{to.value}", obj=entry, actor=actor,
              message=reason or to.label, data={"from": current.value, "to": to.value})
    return entry


def entries_validate(*, organisation, entry_ids: Iterable[int] | None, actor) -> int:
    """Validate draft entries of the organisation (the given ids, or every draft when None).

    Organisation admins only. Returns how many were validated; notifies the organisation once."""
    _require(actor, "volunteering.validate", organisation)
    with transaction.atomic():
        qs = VolunteerEntry.objects.select_for_update().filter(organisation=organisation,
                                                               status=EntryStatus.DRAFT)
        if entry_ids is not None:
            qs = qs.filter(pk__in=list(entry_ids))
        entries = list(qs)
        for entry in entries:
            entry_transition(entry=entry, to=EntryStatus.VALIDATED, actor=actor)
        if entries:
            hours, value = rules.sum_totals((e.hours, e.value) for e in entries)
            notify(Event.VOLUNTEER_ENTRIES_VALIDATED, organisation, actor,
                   recipients=organisation_recipients(organisation, admins_only=True),
                   url=reverse("volunteering:organisation", args=[organisation.pk]),
                   context={"message": _("%(count)s saisies validées : %(hours)s h, %(value)s €.")
                            % {"count": len(entries), "hours": hours, "value": value},
                            "count": len(entries), "hours": hours, "value": value})
    return len(entries)


def entries_unvalidate(*, organisation, entry_ids: Iterable[int], actor) -> int:
    """Send validated (not locked) entries back to draft, e.g. to correct them."""
    _require(actor, "volunteering.validate", organisation)
    with transaction.atomic():
        entries = list(VolunteerEntry.objects.select_for_update().filter(
            organisation=organisation, status=EntryStatus.VALIDATED, pk__in=list(entry_ids)))
        for entry in entries:
            entry_transition(entry=entry, to=EntryStatus.DRAFT, actor=actor)
    return len(entries)


def entries_lock(*, organisation, year: int, project_reference: str | None = None, actor,
                 reason: str) -> int:
    """Lock the validated entries behind an approved financial report (year, project): their
    hours and values can no longer change. Called by the financial report's approval."""
    start, end = rules.year_bounds(year)
    with transaction.atomic():
        qs = VolunteerEntry.objects.select_for_update().filter(
            organisation=organisation, status=EntryStatus.VALIDATED, date__range=(start, end))
        if project_reference is not None:
            qs = qs.filter(project_reference=project_reference)
        entries = list(qs)
        for entry in entries:
            entry_transition(entry=entry, to=EntryStatus.LOCKED, actor=actor, reason=reason)
    return len(entries)


# ---- attestations ----------------------------------------------------------------------------

def attestation_transition(*, attestation: VolunteerAttestation, to: str, actor=None,
                           reason: str = "") -> VolunteerAttestation:
    """The one place an attestation changes status, following ATTESTATION_TRANSITIONS; audited."""
    to = AttestationStatus(to)
    current = AttestationStatus(attestation.status)
    if to not in ATTESTATION_TRANSITIONS[current]:
        raise ValidationError(_("Passage impossible de « %(from)s » à « %(to)s ».")
                              % {"from": current.label, "to": to.label})
    attestation.status = to
    attestation.save(update_fields=["status"])
    audit_log(event=f"volunteer_attestation_{to.value}", obj=attestation, actor=actor,
              message=reason or to.label, data={"from": current.value, "to": to.value})
    return attestation


def attestation_request(*, organisation, year: int, project_reference: str = "",
                        actor) -> VolunteerAttestation:
    """Ask for the attestation of a year (and project): generated by a worker after commit.

    Idempotent: one attestation per (organisation, year, project); asking again regenerates it
    with the current validated entries."""
    from .tasks import attestation_generate_task

    _require(actor, "volunteering.attest", organisation)
    project_reference = (project_reference or "").strip()
    if year > timezone.localdate().year:
        raise ValidationError({"year": _("L'année ne peut pas être future.")})
    if not selectors.counted_entries(organisation=organisation, year=year,
                                     project_reference=project_reference or None).exists():
        raise ValidationError({"year": _("Aucune heure validée pour cette année et ce projet.")})
    with transaction.atomic():
        attestation, created = VolunteerAttestation.objects.select_for_update().get_or_create(
            organisation=organisation, year=year, project_reference=project_reference,
            defaults={"requested_by": actor})
        if not created:
            if attestation.status == AttestationStatus.PENDING:
                return attestation
            attestation.requested_by = actor
            attestation.save(update_fields=["requested_by"])
            attestation_transition(attestation=attestation, to=AttestationStatus.PENDING,
                                   actor=actor, reason=_("Nouvelle génération demandée."))
        else:
            audit_log(event="volunteer_attestation_requested", obj=attestation, actor=actor)
        transaction.on_commit(lambda pk=attestation.pk: attestation_generate_task.delay(pk))
    return attestation


def attestation_context(attestation: VolunteerAttestation) -> dict:
    from backoffice.core.budget import (
        IN_KIND_CHARGE_ACCOUNTS,
        IN_KIND_RESOURCE_ACCOUNTS,
        VOLUNTEERING_CHARGE,
        VOLUNTEERING_RESOURCE,
    )
    from backoffice.core.models import Authority

    from .models import ValuationMethod

    organisation = attestation.organisation
    reference = attestation.project_reference or None
    totals = selectors.volunteer_totals(organisation=organisation, year=attestation.year,
                                        project_reference=reference)
    activities = [dict(row, label=Activity(row["activity"]).label)
                  for row in selectors.totals_by_activity(
                      organisation=organisation, year=attestation.year,
                      project_reference=reference)]
    rates = [dict(row, method_label=ValuationMethod(row["valuation_method"]).label)
             for row in selectors.rates_used(organisation=organisation, year=attestation.year,
                                             project_reference=reference)]
    volunteers = selectors.counted_entries(organisation=organisation, year=attestation.year,
                                           project_reference=reference).values(
        "volunteer").distinct().count()
    return {
        "attestation": attestation, "organisation": organisation, "totals": totals,
        "activities": activities, "rates": rates, "volunteer_count": volunteers,
        "authority": Authority.objects.order_by("pk").first(),
        "method_label": ValuationMethod(selectors.valuation_method_of(organisation)).label,
        "charge_account": VOLUNTEERING_CHARGE,
        "charge_label": IN_KIND_CHARGE_ACCOUNTS[VOLUNTEERING_CHARGE],
        "resource_account": VOLUNTEERING_RESOURCE,
        "resource_label": IN_KIND_RESOURCE_ACCOUNTS[VOLUNTEERING_RESOURCE],
        "issued_on": timezone.localdate(),
    }


def attestation_generate(*, attestation_id: int) -> VolunteerAttestation:
    """Render the attestation PDF from the validated entries, store it with its SHA-256 and
    notify the organisation's admins. Idempotent: a ready attestation is left as it is."""
    from backoffice.core.pdf import render_pdf, sha256_bytes

    with transaction.atomic():
        attestation = VolunteerAttestation.objects.select_for_update().select_related(
            "organisation").get(pk=attestation_id)
        if attestation.status != AttestationStatus.PENDING:
            return attestation
        context = attestation_context(attestation)
        content = render_pdf("volunteering/attestation_pdf.html", context)
        name = f"attestation-benevolat-{attestation.year}"
        if attestation.project_reference:
            name += f"-{attestation.project_reference}"
        if attestation.file:
            attestation.file.delete(save=False)
        attestation.file.save(f"{name}.pdf", ContentFile(content), save=False)
        attestation.sha256 = sha256_bytes(content)
        attestation.hours = context["totals"].hours
        attestation.value = context["totals"].value
        attestation.generated_at = timezone.now()
        attestation.save(update_fields=["file", "sha256", "hours", "value", "generated_at"])
        attestation_transition(attestation=attestation, to=AttestationStatus.READY)
        notify(Event.VOLUNTEER_ATTESTATION_READY, attestation, None,
               recipients=organisation_recipients(attestation.organisation, admins_only=True),
               url=reverse("volunteering:attestation-download", args=[attestation.pk]),
               context={"message": str(attestation)})
    return attestation


def attestation_fail(*, attestation_id: int, error: str) -> None:
    """Mark a pending attestation as failed (the page offers to try again)."""
    with transaction.atomic():
        attestation = VolunteerAttestation.objects.select_for_update().get(pk=attestation_id)
        if attestation.status == AttestationStatus.PENDING:
            attestation_transition(attestation=attestation, to=AttestationStatus.FAILED,
                                   reason=error[:500])
