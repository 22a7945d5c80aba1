"""Reads of the volunteering app: the one place other apps get volunteer hours and values from."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.db.models import Count, DecimalField, Max, Min, Q, QuerySet, Sum, Value
from django.db.models.functions import Coalesce, ExtractYear

from backoffice.core.models import MembershipStatus, Organisation

from . import rules
from .models import (
    EntryStatus,
    ValuationRate,
    Volunteer,
    VolunteerAttestation,
    VolunteerEntry,
    VolunteeringProfile,
)

ZERO = Decimal("0.00")
COUNTED = (EntryStatus.VALIDATED, EntryStatus.LOCKED)


@dataclass(frozen=True)
class VolunteerTotals:
    hours: Decimal = Decimal("0.00")
    value: Decimal = Decimal("0.00")


def _money_sum(field: str):
    return Coalesce(Sum(field), Value(ZERO), output_field=DecimalField(max_digits=14,
                                                                         decimal_places=2))


def _cents(value) -> Decimal:
    # SQLite (the demo database) sums decimals through floats; PostgreSQL is exact.
    return Decimal(str(value)).quantize(rules.CENT)


def _rounded(rows: list[dict], *fields: str) -> list[dict]:
    for row in rows:
        for name in fields:
            row[name] = _cents(row[name])
    return rows


def counted_entries(*, organisation, year=None, project_reference=None, application=None,
                    convention=None) -> QuerySet[VolunteerEntry]:
    """Entries that count (validated or locked) of an organisation, optionally one year and one
    project: an application, a convention (by foreign key) or a free-text reference."""
    qs = VolunteerEntry.objects.filter(organisation=organisation, status__in=COUNTED)
    if year is not None:
        start, end = rules.year_bounds(int(year))
        qs = qs.filter(date__range=(start, end))
    if application is not None:
        qs = qs.filter(application=application)
    if convention is not None:
        qs = qs.filter(convention=convention)
    if project_reference is not None:
        qs = qs.filter(project_reference=project_reference)
    return qs


def volunteer_totals(*, organisation, year=None, application=None, convention=None,
                     project_reference=None) -> VolunteerTotals:
    """Validated volunteer hours and their stored value for an organisation, optionally limited
    to a calendar year and/or one project.

    Invariant: only validated or locked entries count, and the value is the sum of the values
    stored on the entries (never recomputed with today's rates). A project is an
    ``application`` or a ``convention`` (entries linked to it by foreign key, see
    volunteering.projects), or a free-text ``project_reference`` (the ``projet`` column of
    imports). A project of another organisation matches no entry.
    """
    totals = counted_entries(organisation=organisation, year=year, application=application,
                             convention=convention,
                             project_reference=project_reference).aggregate(
        hours=_money_sum("hours"), value=_money_sum("value"))
    return VolunteerTotals(hours=_cents(totals["hours"]), value=_cents(totals["value"]))


def totals_by_activity(*, organisation, year=None, project_reference=None) -> list[dict]:
    """Hours and value per activity (for the attestation and the dashboard), largest first."""
    return _rounded(list(
        counted_entries(organisation=organisation, year=year, project_reference=project_reference)
        .values("activity")
        .annotate(hours=_money_sum("hours"), value=_money_sum("value"), entries=Count("pk"))
        .order_by("-hours", "activity")
    ), "hours", "value")


def rates_used(*, organisation, year=None, project_reference=None) -> list[dict]:
    """The distinct (method, qualification, rate) triples stored on the counted entries, with
    their hours and the first and last day they were given. Several qualifications valued at
    the same time each have their rate: they are not successive periods."""
    return _rounded(list(
        counted_entries(organisation=organisation, year=year, project_reference=project_reference)
        .values("valuation_method", "qualification", "rate")
        .annotate(hours=_money_sum("hours"), value=_money_sum("value"),
                  first=Min("date"), last=Max("date"))
        .order_by("valuation_method", "qualification", "first", "rate")
    ), "hours", "value")


def totals_by_year(*, organisation) -> list[dict]:
    """Per calendar year: counted hours and value, draft hours (not counted yet)."""
    def total(field, condition):
        return Coalesce(Sum(field, filter=condition), Value(ZERO),
                        output_field=DecimalField(max_digits=14, decimal_places=2))

    rows = (
        VolunteerEntry.objects.filter(organisation=organisation)
        .annotate(year=ExtractYear("date"))
        .values("year")
        .annotate(counted_hours=total("hours", Q(status__in=COUNTED)),
                  counted_value=total("value", Q(status__in=COUNTED)),
                  draft_hours=total("hours", Q(status=EntryStatus.DRAFT)))
        .order_by("-year")
    )
    return [{"year": row["year"], "hours": _cents(row["counted_hours"]),
             "value": _cents(row["counted_value"]), "draft_hours": _cents(row["draft_hours"])}
            for row in rows]


def totals_by_project(*, organisation, year=None) -> list[dict]:
    """Counted hours and value per project reference ('' = not linked to a project)."""
    return _rounded(list(
        counted_entries(organisation=organisation, year=year)
        .values("project_reference")
        .annotate(hours=_money_sum("hours"), value=_money_sum("value"))
        .order_by("project_reference")
    ), "hours", "value")


def organisations_overview(*, user, year: int) -> QuerySet[Organisation]:
    """Organisations in the user's scope with their counted hours/value and their draft count
    for ``year``: one query, for the agents' dashboard."""
    from backoffice.core.selectors import organisation_list

    start, end = rules.year_bounds(year)
    in_year = Q(volunteer_entries__date__range=(start, end))
    counted = in_year & Q(volunteer_entries__status__in=COUNTED)
    # Filter by the scoped ids instead of annotating organisation_list() itself: its join on
    # memberships would multiply each sum by the number of members.
    return (
        Organisation.objects.filter(pk__in=organisation_list(user=user).values("pk"))
        .annotate(
            vol_hours=Coalesce(Sum("volunteer_entries__hours", filter=counted), Value(ZERO),
                               output_field=DecimalField(max_digits=14, decimal_places=2)),
            vol_value=Coalesce(Sum("volunteer_entries__value", filter=counted), Value(ZERO),
                               output_field=DecimalField(max_digits=14, decimal_places=2)),
            vol_drafts=Count("volunteer_entries",
                             filter=in_year & Q(volunteer_entries__status=EntryStatus.DRAFT)),
        )
        .filter(Q(vol_hours__gt=0) | Q(vol_drafts__gt=0))
        .order_by("-vol_value", "name")
    )


def rate_table() -> list[rules.Rate]:
    """Every dated rate as plain values for the pure rules (a small table, read once per action)."""
    return [
        rules.Rate(kind=r.kind, valid_from=r.valid_from, value=r.value,
                   qualification=r.qualification)
        for r in ValuationRate.objects.all()
    ]


def project_periods(*, organisation) -> dict | None:
    """The organisation's known projects and their periods from the configured resolver
    (setting VOLUNTEERING_PROJECT_RESOLVER), or None when project references are free text."""
    from django.utils.module_loading import import_string

    path = settings.VOLUNTEERING_PROJECT_RESOLVER
    if not path:
        return None
    return dict(import_string(path)(organisation))


def valuation_method_of(organisation) -> str:
    """The organisation's chosen method, or the deployment's default (setting)."""
    profile = VolunteeringProfile.objects.filter(organisation=organisation).first()
    if profile is not None:
        return profile.valuation_method
    return settings.VOLUNTEERING_DEFAULT_VALUATION_METHOD


def valuation_rate(*, organisation, on, qualification: str = "employe") -> Decimal:
    """The hourly rate (€) that values one volunteer hour of ``organisation`` on date ``on``,
    following the organisation's chosen method (SMIC brut, SMIC chargé, replacement cost).

    Raises LookupError (rules.RateMissing) with no rate in force on that date."""
    return rules.hourly_rate(rate_table(), method=valuation_method_of(organisation), on=on,
                             qualification=qualification)


def organisations_for_volunteering(*, user) -> QuerySet[Organisation]:
    """Organisations whose volunteer hours the user may open (members; every one for agents)."""
    from backoffice.core.selectors import organisation_list

    return organisation_list(user=user)


def organisation_for(*, user, pk: int) -> Organisation:
    """One organisation in the user's scope, or Organisation.DoesNotExist (→ 404)."""
    return organisations_for_volunteering(user=user).get(pk=pk)


def entry_list(*, user, organisation=None, status: str = "", year=None, volunteer=None,
               project_reference: str | None = None) -> QuerySet[VolunteerEntry]:
    """Entries in the user's scope (members see their organisations', agents all), filtered."""
    qs = VolunteerEntry.objects.select_related("volunteer", "organisation")
    if not user.is_authenticated:
        return qs.none()
    if not user.works_for_authority:
        qs = qs.filter(organisation__memberships__user=user,
                       organisation__memberships__status=MembershipStatus.ACTIVE)
    if organisation is not None:
        qs = qs.filter(organisation=organisation)
    if status:
        qs = qs.filter(status=status)
    if year:
        qs = qs.filter(date__year=int(year))
    if volunteer is not None:
        qs = qs.filter(volunteer=volunteer)
    if project_reference:
        qs = qs.filter(project_reference=project_reference)
    return qs.order_by("-date", "volunteer__name", "pk")


def volunteer_list(*, organisation) -> QuerySet[Volunteer]:
    """Volunteers of an organisation with their counted hours (one query)."""
    return (
        Volunteer.objects.filter(organisation=organisation)
        .select_related("user")
        .annotate(total_hours=Coalesce(
            Sum("entries__hours", filter=Q(entries__status__in=COUNTED)), Value(ZERO),
            output_field=DecimalField(max_digits=14, decimal_places=2)))
        .order_by("-is_active", "name")
    )


def attestation_list(*, organisation) -> QuerySet[VolunteerAttestation]:
    return VolunteerAttestation.objects.filter(organisation=organisation).select_related(
        "requested_by")


def attestation_for(*, user, pk: int) -> VolunteerAttestation:
    """One attestation in the user's scope, or DoesNotExist (→ 404)."""
    return VolunteerAttestation.objects.select_related("organisation").get(
        pk=pk, organisation__in=organisations_for_volunteering(user=user).values("pk"))


def day_hours(*, volunteer_ids, start: dt.date, end: dt.date, exclude_pk=None) -> dict:
    """Hours already recorded per (volunteer id, day) between two dates, every status included:
    the base of the 24-hour rule (one query)."""
    qs = VolunteerEntry.objects.filter(volunteer_id__in=list(volunteer_ids),
                                       date__range=(start, end))
    if exclude_pk is not None:
        qs = qs.exclude(pk=exclude_pk)
    return {(row["volunteer_id"], row["date"]): row["total"]
            for row in qs.values("volunteer_id", "date").annotate(total=Sum("hours"))}


def duplicate_keys(*, organisation, start: dt.date, end: dt.date, exclude_pk=None) -> set:
    """(volunteer id, day, activity, project reference) of existing entries: a new entry with
    the same key is a likely duplicate (one query)."""
    qs = VolunteerEntry.objects.filter(organisation=organisation, date__range=(start, end))
    if exclude_pk is not None:
        qs = qs.exclude(pk=exclude_pk)
    return set(qs.values_list("volunteer_id", "date", "activity", "project_reference"))


def attestation_ready(*, organisation, year: int, project_reference: str = ""):
    """The ready attestation of a year (and project) to attach to a financial report, or None."""
    from .models import AttestationStatus

    return VolunteerAttestation.objects.filter(
        organisation=organisation, year=year, project_reference=project_reference,
        status=AttestationStatus.READY).first()
