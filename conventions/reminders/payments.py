"""Payments owed to associations: balances and instalments (60 days), advances."""

from __future__ import annotations

from django.conf import settings
from django.db.models import Exists, OuterRef
from django.utils.translation import gettext_lazy as _

from backoffice.core.money import format_eur
from backoffice.core.reminders import register, rules, setting_days

from ..models import LineKind, Payment, PaymentStatus, ScheduleLine, YearStatus
from .base import LIVE, ConventionTargetKind, convention_context, french_date


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
