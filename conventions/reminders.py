"""Reminder kinds of the conventions app (DOMAIN §5): financial reports, payments, advances,
yearly confirmations, conventions ending, open-data publication, recovery procedure.

Legal deadlines are mandatory kinds (nobody may opt out of their e-mail): the financial report
(loi 2000-321 art. 10, within 6 months of the year's end), the payment (within 60 days of its
trigger, loi 2021-875) and the open-data publication (décret 2017-779, within 3 months of
signature). Delays are settings read at call time.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from django.conf import settings
from django.db.models import Count, Exists, OuterRef, Q
from django.urls import reverse
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from backoffice.core.models import Membership, MembershipStatus, User
from backoffice.core.money import format_eur
from backoffice.core.reminders import (
    DateOffsetKind,
    Due,
    ReminderKind,
    register,
    rules,
    setting_days,
)
from backoffice.core.roles import Role

from .models import (
    Convention,
    ConventionStatus,
    ConventionYear,
    FinancialReport,
    LineKind,
    Payment,
    PaymentStatus,
    Recovery,
    RecoveryStatus,
    ReportStatus,
    ScheduleLine,
    YearStatus,
)

# Conventions whose deadlines still run: signed (or under way), not closed nor terminated.
LIVE = (ConventionStatus.SIGNED, ConventionStatus.ACTIVE)
_PLACEHOLDER = 987654321
_URLS: dict[str, str] = {}


def _url(name: str, pk: int) -> str:
    # Reversed once per name, then filled in: reverse() per row dominates a large batch.
    if name not in _URLS:
        _URLS[name] = reverse(name, args=[_PLACEHOLDER])
    return _URLS[name].replace(str(_PLACEHOLDER), str(pk))


def finance_agents() -> list[int]:
    """Active users with the finance agent role: the authority side of every reminder."""
    return list(User.objects.filter(groups__name=Role.FINANCE_AGENT.label, is_active=True)
                .order_by("pk").values_list("pk", flat=True).distinct())


def organisation_members(organisation_ids) -> dict[int, list[int]]:
    """Active members of each organisation, in one query for a whole batch."""
    people = defaultdict(list)
    rows = Membership.objects.filter(
        organisation_id__in=set(organisation_ids), status=MembershipStatus.ACTIVE,
        user__is_active=True,
    ).order_by("user_id").values_list("organisation_id", "user_id")
    for organisation_id, user_id in rows:
        people[organisation_id].append(user_id)
    return people


def french_date(value: dt.date | None) -> str:
    return date_format(value, "j F Y") if value else ""


def convention_context(convention: Convention) -> dict:
    """What every convention reminder names: reference, object, organisation (JSON-safe)."""
    return {"convention_reference": convention.reference,
            "convention_object": convention.object[:200].rstrip(" ."),
            "organisation_name": convention.organisation.name}


class ConventionTargetKind(DateOffsetKind):
    """Targets reached through a convention: ``convention_path`` leads from the target to it."""

    convention_path = ""
    to_agents = True
    to_organisation = False

    @property
    def organisation_field(self):
        return f"{self.convention_path}__organisation_id" if self.convention_path else \
            "organisation_id"

    def convention(self, target) -> Convention:
        obj = target
        for part in filter(None, self.convention_path.split("__")):
            obj = getattr(obj, part)
        return obj

    def organisation_id(self, target):
        return self.convention(target).organisation_id

    def recipients(self, targets):
        agents = finance_agents() if self.to_agents else []
        members = (organisation_members(self.convention(t).organisation_id for t in targets)
                   if self.to_organisation else {})
        return {t.pk: [*members.get(self.convention(t).organisation_id, []),
                       *[a for a in agents
                         if a not in members.get(self.convention(t).organisation_id, [])]]
                for t in targets}

    def url(self, target):
        return _url("conventions:convention-detail", self.convention(target).pk)

    def context(self, target):
        return convention_context(self.convention(target))


@register
class ReportDueKind(ConventionTargetKind):
    """The financial report of a year (CERFA 15059), due 6 months after the year's end (loi
    2000-321 art. 10): before, on the day, after, then every few days until it is received.
    The association is reminded; once overdue the finance agents get a copy."""

    code = "report_due"
    label = _("Compte rendu financier à déposer")
    mandatory = True
    date_field = "due_date"
    convention_path = "year__convention"
    to_agents = False
    to_organisation = True

    def offsets(self):
        offsets = setting_days("REMINDERS_REPORT_DUE_OFFSETS")
        every = settings.REMINDERS_REPORT_REPEAT_EVERY_DAYS
        return sorted(set(offsets) | set(rules.repeating_offsets(
            first=max(offsets) + every, every=every,
            until=settings.REMINDERS_REPORT_REPEAT_UNTIL_DAYS)))

    def get_queryset(self):
        # Received (submitted, approved, or sent back after reading it) stops the series.
        return (FinancialReport.objects
                .filter(status=ReportStatus.EXPECTED, year__convention__status__in=LIVE)
                .select_related("year__convention__organisation"))

    def recipients(self, targets):
        self._agents = finance_agents()
        return super().recipients(targets)

    def step_recipients(self, people, offset):
        if offset <= 0:
            return people
        agents = getattr(self, "_agents", None)
        if agents is None:
            agents = finance_agents()
        return [*people, *[a for a in agents if a not in people]]

    def url(self, target):
        return _url("conventions:report", target.pk)

    def context(self, target):
        year = target.year
        return {**convention_context(year.convention), "year": year.year,
                "amount": format_eur(year.amount), "deadline": french_date(target.due_date)}

    def target_repr(self, target):
        convention = target.year.convention
        return f"{convention.reference} — CRF {target.year.year} — {convention.organisation.name}"


def _unpaid():
    return ~Exists(Payment.objects.filter(line=OuterRef("pk"), status=PaymentStatus.PAID))


class LineKindBase(ConventionTargetKind):
    convention_path = "year__convention"

    def base_queryset(self):
        return (ScheduleLine.objects.filter(_unpaid(), year__convention__status__in=LIVE)
                .select_related("year__convention__organisation"))

    def context(self, target):
        return {**convention_context(target.year.convention), "year": target.year.year,
                "line_kind": str(target.get_kind_display()), "amount": format_eur(target.amount),
                "trigger": french_date(target.trigger_date),
                "deadline": french_date(target.due_by or target.planned_date)}

    def target_repr(self, target):
        convention = target.year.convention
        return (f"{convention.reference} — {target.get_kind_display()} {target.year.year} — "
                f"{convention.organisation.name}")


@register
class PaymentDueKind(LineKindBase):
    """A payment owed to an association: paid within 60 days of its trigger (loi 2021-875,
    délai global de paiement). The agents are warned, then told it is late, until it is paid.
    Advances have their own kind (their due date comes before the 60 days)."""

    code = "payment_due"
    label = _("Versement dû à une association")
    mandatory = True
    date_field = "trigger_date"

    def offsets(self):
        return [settings.REMINDERS_PAYMENT_WARNING_DAYS, settings.REMINDERS_PAYMENT_LATE_DAYS]

    def get_queryset(self):
        return self.base_queryset().exclude(kind=LineKind.ADVANCE)

    def context(self, target):
        # The step past the 60 days says "late" in the message.
        return {**super().context(target),
                "late_step": rules.step_label(settings.REMINDERS_PAYMENT_LATE_DAYS)}


@register
class AdvanceDueKind(LineKindBase):
    """The advance of a confirmed year, to pay by its due date (31 March by default)."""

    code = "advance_due"
    label = _("Avance à verser")
    mandatory = False
    date_field = "planned_date"

    def offsets(self):
        return [-days for days in setting_days("REMINDERS_ADVANCE_DAYS_BEFORE")]

    def get_queryset(self):
        return self.base_queryset().filter(kind=LineKind.ADVANCE, year__status=YearStatus.CONFIRMED,
                                           trigger_date__isnull=False)


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
                url=_url("conventions:convention-detail", convention.pk),
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


class RecoveryKindBase(ConventionTargetKind):
    """A step of the recovery procedure (CRPA L121-1, L122-1) waiting for a finance agent. The
    convention may be terminated (a CER withdrawal ends it): the recovery still runs."""

    convention_path = "convention"

    def get_queryset(self):
        return Recovery.objects.filter(status=self.status).select_related(
            "convention__organisation")

    def url(self, target):
        return _url("conventions:convention-detail", target.convention_id) + \
            f"#recovery-{target.pk}"

    def context(self, target):
        return {**convention_context(target.convention),
                "recovery_kind": str(target.get_kind_display()),
                "amount": format_eur(target.decided_amount if target.decided_amount is not None
                                     else target.amount),
                "notice_on": french_date(target.notice_on),
                "observation_deadline": french_date(target.observation_deadline),
                "title_reference": target.title_reference,
                "title_date": french_date(target.title_date),
                "due": french_date(target.due_date)}

    def target_repr(self, target):
        return (f"{target.convention.reference} — {target.get_kind_display()} — "
                f"{target.convention.organisation.name}")


@register
class RecoveryDecisionDueKind(RecoveryKindBase):
    """The delay for observations ran out and none was recorded: the agents are reminded, the
    day after it, to take the reasoned decision (CRPA L122-1, L211-2). Recording the
    observations or the decision stops it."""

    code = "recovery_decision_due"
    label = _("Reversement : délai d'observations expiré, décision à prendre")
    mandatory = True
    date_field = "observation_deadline"
    status = RecoveryStatus.NOTICE

    def offsets(self):
        return [1]


@register
class RecoveryTitleUnpaidKind(RecoveryKindBase):
    """A titre de recettes issued and not recorded as received (nor offset) after
    REMINDERS_RECOVERY_UNPAID_DAYS days: the agents are reminded to check with the public
    accountant or to offset it on an unpaid line."""

    code = "recovery_title_unpaid"
    label = _("Titre de recettes non recouvré")
    mandatory = True
    date_field = "title_date"
    status = RecoveryStatus.TITLE

    def offsets(self):
        return [settings.REMINDERS_RECOVERY_UNPAID_DAYS]
