"""The financial report of each year (CERFA 15059)."""

from __future__ import annotations

from django.conf import settings
from django.utils.translation import gettext_lazy as _

from backoffice.core.money import format_eur
from backoffice.core.reminders import register, rules, setting_days

from ..models import FinancialReport, ReportStatus
from .base import (
    LIVE,
    ConventionTargetKind,
    convention_context,
    finance_agents,
    french_date,
    url_for,
)


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
        return url_for("conventions:report", target.pk)

    def context(self, target):
        year = target.year
        return {**convention_context(year.convention), "year": year.year,
                "amount": format_eur(year.amount), "deadline": french_date(target.due_date)}

    def target_repr(self, target):
        convention = target.year.convention
        return f"{convention.reference} — CRF {target.year.year} — {convention.organisation.name}"
