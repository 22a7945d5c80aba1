"""The convention's own dates: open-data publication, its end, each year's confirmation."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db.models import Count, Exists, OuterRef, Q
from django.utils.translation import gettext_lazy as _

from backoffice.core.money import format_eur
from backoffice.core.reminders import Due, ReminderKind, register, rules, setting_days

from ..models import Convention, ConventionStatus, ConventionYear, YearStatus
from .base import (
    LIVE,
    ConventionTargetKind,
    convention_context,
    finance_agents,
    french_date,
    url_for,
)


@register
class OpenDataDueKind(ConventionTargetKind):
    """Essential data of a convention above €23,000 published within 3 months of signature
    (décret 2017-779): the agents are reminded before the deadline, on it, then every few days
    until the publication is recorded."""

    code = "open_data_due"
    label = _("Publication en données ouvertes")
    mandatory = True
    date_field = "open_data_deadline"

    def offsets(self):
        offsets = setting_days("REMINDERS_OPEN_DATA_OFFSETS")
        every = settings.REMINDERS_REPORT_REPEAT_EVERY_DAYS
        return sorted(set(offsets) | set(rules.repeating_offsets(
            first=max(offsets) + every, every=every,
            until=settings.REMINDERS_REPORT_REPEAT_UNTIL_DAYS)))

    def get_queryset(self):
        return (Convention.objects
                .filter(open_data_deadline__isnull=False, open_data_published_on__isnull=True,
                        status__in=(*LIVE, ConventionStatus.CLOSED))
                .select_related("organisation"))

    def context(self, target):
        amount = max((y.amount for y in target.years.all()), default=None)
        return {**convention_context(target), "deadline": french_date(target.open_data_deadline),
                "signed_on": french_date(target.signed_on),
                "amount": format_eur(amount) if amount is not None else ""}

    def target_repr(self, target):
        return f"{target.reference} — {target.organisation.name}"


@register
class ConventionEndingKind(ConventionTargetKind):
    """A convention ending in 6 and in 3 months: time for the evaluation and, if wanted, the
    renewal (agents and association). Steps in months, so they are found in Python."""

    code = "convention_ending"
    label = _("Fin de convention : évaluation et renouvellement")
    mandatory = False
    date_field = "end_date"
    set_based = False
    to_organisation = True

    def months(self) -> list[int]:
        return [-months for months in setting_days("REMINDERS_CONVENTION_ENDING_MONTHS")]

    def offsets(self):
        # Only used to describe the kind: the real steps are in months (see find).
        return [(rules.add_months(dt.date(2001, 1, 1), m) - dt.date(2001, 1, 1)).days
                for m in self.months()]

    def get_queryset(self):
        return Convention.objects.filter(status__in=LIVE).select_related("organisation")

    def _month_dues(self, targets, months, start, end):
        people = self.recipients(targets)
        dues = []
        for target in targets:
            for step_months, on in rules.month_steps_within(target.end_date, months, start, end):
                dues.append(Due(
                    target=target, due_date=target.end_date,
                    step=rules.month_step_label(step_months), remind_on=on,
                    recipients=people.get(target.pk, []), context=self.context(target),
                    organisation_id=target.organisation_id, url=self.url(target),
                    target_repr=self.target_repr(target)[:255]))
        return dues

    def find(self, start, end, *, batch_size):
        months = sorted(set(self.months()))
        within = Q(pk__in=[])
        for step in months:
            within |= Q(end_date__range=rules.month_deadline_range(start, end, step))
        queryset = self.get_queryset().filter(within)
        last_pk = 0
        while True:
            targets = list(queryset.filter(pk__gt=last_pk).order_by("pk")[:batch_size])
            if not targets:
                break
            last_pk = targets[-1].pk
            dues = self._month_dues(targets, months, start, end)
            if dues:
                yield dues
            if len(targets) < batch_size:
                break

    def find_for(self, target):
        if not self.get_queryset().filter(pk=target.pk).exists():
            return []
        return self._month_dues([target], self.months(), dt.date.min, dt.date.max)

    def context(self, target):
        return {**convention_context(target), "deadline": french_date(target.end_date)}

    def target_repr(self, target):
        return f"{target.reference} — {target.organisation.name}"


@register
class YearConfirmationKind(ReminderKind):
    """After the budget vote, each multi-year convention's year still planned is confirmed
    ("sous réserve de l'inscription des crédits", circulaire 5811-SG): the agents are reminded
    on the configured day (MM-JJ) of that year."""

    code = "year_confirmation"
    label = _("Confirmation annuelle d'une convention pluriannuelle")
    mandatory = False

    def reminder_date(self, year: int) -> dt.date:
        month, day = (int(part) for part in
                      settings.REMINDERS_YEARLY_CONFIRMATION_DATE.split("-"))
        return dt.date(year, month, day)

    def get_queryset(self):
        multi_year = (ConventionYear.objects.filter(convention=OuterRef("convention"))
                      .values("convention").annotate(n=Count("pk")).filter(n__gt=1))
        return (ConventionYear.objects
                .filter(Exists(multi_year), status=YearStatus.PLANNED,
                        convention__status__in=LIVE)
                .select_related("convention__organisation"))

    def _dues(self, targets, start, end, agents):
        dues = []
        for target in targets:
            on = self.reminder_date(target.year)
            if not start <= on <= end:
                continue
            convention = target.convention
            dues.append(Due(
                target=target, due_date=on, step="J", remind_on=on, recipients=agents,
                context={**convention_context(convention), "year": target.year,
                         "amount": format_eur(target.planned_amount),
                         "deadline": french_date(on)},
                organisation_id=convention.organisation_id,
                url=url_for("conventions:convention-detail", convention.pk),
                target_repr=(f"{convention.reference} — {target.year} — "
                             f"{convention.organisation.name}")[:255]))
        return dues

    def find(self, start, end, *, batch_size):
        years = [y for y in range(start.year, end.year + 1)
                 if start <= self.reminder_date(y) <= end]
        if not years:
            return
        agents = finance_agents()
        last_pk = 0
        while True:
            targets = list(self.get_queryset().filter(year__in=years, pk__gt=last_pk)
                           .order_by("pk")[:batch_size])
            if not targets:
                break
            last_pk = targets[-1].pk
            yield self._dues(targets, start, end, agents)
            if len(targets) < batch_size:
                break

    def find_for(self, target):
        if not self.get_queryset().filter(pk=target.pk).exists():
            return []
        return self._dues([target], dt.date.min, dt.date.max, finance_agents())
