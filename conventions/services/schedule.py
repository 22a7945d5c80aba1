"""Payment schedules: generation from the rules, agent edits, and the payment clocks."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from backoffice.core.audit import audit_log
from backoffice.core.money import format_eur
from backoffice.core.permissions import require

from .. import rules
from ..models import (
    Convention,
    ConventionStatus,
    ConventionYear,
    FinancialReport,
    LineKind,
    PaymentStatus,
    ReportStatus,
    ScheduleLine,
    YearStatus,
)
from ..permissions import can
from ._common import conf


def paid_total(year: ConventionYear) -> Decimal:
    from ..models import Payment

    total = Decimal("0.00")
    for payment in Payment.objects.filter(line__year=year).exclude(
            status=PaymentStatus.CANCELLED):
        total += payment.amount
    return total


def unpaid_lines(year: ConventionYear) -> list[ScheduleLine]:
    """Lines of a tranche without a live payment order, in schedule order."""
    return list(year.lines.exclude(payments__status__in=[PaymentStatus.ORDERED,
                                                         PaymentStatus.PAID])
                .distinct().order_by("position"))


def schedule_reduce(*, year: ConventionYear, cut: Decimal) -> Decimal:
    """Cancel or reduce the unpaid lines of a tranche by ``cut``, the latest first (CGCT
    L1611-4: what was not paid is not claimed, it is cancelled). The tranche's
    ``withdrawn_amount`` grows by ``cut`` so that the schedule still sums exactly to
    ``year.amount``; a line brought to 0 € is deleted unless it has a payment history (then it
    stays at 0 € with its cancelled orders)."""
    if cut <= 0:
        return Decimal("0.00")
    lines = unpaid_lines(year)
    reduced = rules.reduce_lines([line.amount for line in lines], cut)
    for line, amount in zip(lines, reduced, strict=True):
        if amount == line.amount:
            continue
        if amount == 0 and not line.payments.exists():
            line.delete()
            continue
        line.amount = amount
        line.full_clean()
        line.save(update_fields=["amount"])
    year.withdrawn_amount = (year.withdrawn_amount or Decimal("0.00")) + cut
    year.full_clean()
    year.save(update_fields=["withdrawn_amount"])
    return cut


def schedule_generate(*, year: ConventionYear) -> list[ScheduleLine]:
    """(Re)build the unpaid part of a tranche's schedule from the rules, summing exactly to
    the tranche's amount. Lines with a live payment order keep their amount; lines whose
    orders were all cancelled keep their history and are reused (or set to 0 €); only lines
    that never had a payment order are deleted and rebuilt."""
    convention = year.convention
    c = conf()
    live_statuses = [PaymentStatus.ORDERED, PaymentStatus.PAID]
    kept = list(year.lines.filter(payments__status__in=live_statuses).distinct()
                .order_by("position"))
    reusable = list(year.lines.filter(payments__isnull=False)
                    .exclude(pk__in=[line.pk for line in kept]).distinct().order_by("position"))
    position = max((line.position for line in kept + reusable), default=0)
    year.lines.filter(payments__isnull=True).delete()
    committed = sum((line.amount for line in kept), Decimal("0.00"))
    remaining = year.amount - committed
    if remaining < 0:
        raise ValidationError(_("La tranche %(year)s ne peut pas descendre sous les "
                                "%(paid)s déjà mandatés.") % {"year": year.year,
                                                               "paid": format_eur(committed)})
    is_first = year.year == convention.start_date.year
    waits = convention.balance_requires_report and not is_first
    balance_date = rules.on_month_day(year.year, c.balance_date)
    if kept:
        items = ([rules.ScheduleItem(rules.BALANCE, remaining, balance_date, waits)]
                 if remaining > 0 else [])
    else:
        event = _advance_event(convention, year)
        advance_due = rules.advance_due_date(year=year.year, deadline=c.advance_deadline,
                                             event_date=event,
                                             delay_days=convention.advance_delay_days)
        items = rules.build_schedule(amount=year.amount, year=year.year,
                                     advance_rate=convention.advance_rate,
                                     advance_due=advance_due, balance_date=balance_date,
                                     balance_waits_for_report=waits)
    created = []
    for item in items:
        if reusable:
            line = reusable.pop(0)
        else:
            position += 1
            line = ScheduleLine(year=year, position=position)
        line.kind, line.amount = item.kind, item.amount
        line.planned_date, line.waits_for_report = item.planned_date, item.waits_for_report
        line.full_clean()
        line.save()
        created.append(line)
    for line in reusable:
        # A cancelled order stays in the history of its line; the line itself is now empty.
        line.amount = Decimal("0.00")
        line.save(update_fields=["amount"])
    return created


def _advance_event(convention: Convention, year: ConventionYear) -> dt.date | None:
    """The advance is due N days after the later of signature and confirmation."""
    dates = [d for d in (convention.signed_on, year.confirmed_on) if d]
    return max(dates) if len(dates) == 2 else None


def lines_refresh(*, convention: Convention) -> None:
    """Recompute the payment clocks of every line without a live payment order.

    A line is payable once the convention is signed and its tranche confirmed; a balance that
    waits for the previous year's report is payable from that report's approval. ``due_by`` is
    the trigger + the convention's payment delay (60 days, loi 2021-875), except for the advance
    whose due date the convention fixes itself (31 March or N days after the event)."""
    c = conf()
    signed = convention.signed_on is not None and convention.status in (
        ConventionStatus.SIGNED, ConventionStatus.ACTIVE)
    years = list(convention.years.all().order_by("year"))
    approvals = {}
    for tranche in years:
        report = FinancialReport.objects.filter(year=tranche).first()
        approvals[tranche.year] = (report.reviewed_on if report and
                                   report.status == ReportStatus.APPROVED else None)
    for tranche in years:
        confirmed = tranche.status != YearStatus.PLANNED
        event = _advance_event(convention, tranche)
        for line in unpaid_lines(tranche):
            trigger = None
            if signed and confirmed:
                if line.kind == LineKind.ADVANCE:
                    trigger = event
                    line.planned_date = rules.advance_due_date(
                        year=tranche.year, deadline=c.advance_deadline, event_date=event,
                        delay_days=convention.advance_delay_days)
                elif line.waits_for_report:
                    approved = approvals.get(tranche.year - 1)
                    trigger = max(approved, line.planned_date) if approved else None
                else:
                    trigger = line.planned_date
            line.trigger_date = trigger
            if line.kind == LineKind.ADVANCE and trigger:
                line.due_by = line.planned_date
            else:
                line.due_by = rules.due_by(trigger, convention.payment_delay_days)
            line.save(update_fields=["planned_date", "trigger_date", "due_by"])


@transaction.atomic
def schedule_update(*, year: ConventionYear, items: list[rules.ScheduleItem], actor
                    ) -> list[ScheduleLine]:
    """Replace a tranche's schedule with lines an agent edited. Refused unless the lines sum
    exactly to the tranche's amount and keep their dates in order; lines with a payment order
    cannot be changed."""
    require(can, actor, "convention.manage", year.convention)
    year = ConventionYear.objects.select_for_update().select_related("convention").get(pk=year.pk)
    if year.lines.filter(payments__isnull=False).exists():
        raise ValidationError(_("Un versement a déjà été mandaté sur cette tranche : "
                                "modifiez-la par un avenant."))
    errors = rules.schedule_errors(amount=year.amount, items=items)
    if errors:
        raise ValidationError(errors)
    before = [(line.kind, str(line.amount), str(line.planned_date)) for line in year.lines.all()]
    year.lines.all().delete()
    lines = []
    for position, item in enumerate(items, start=1):
        line = ScheduleLine(year=year, position=position, kind=item.kind, amount=item.amount,
                            planned_date=item.planned_date,
                            waits_for_report=item.waits_for_report)
        line.full_clean()
        line.save()
        lines.append(line)
    lines_refresh(convention=year.convention)
    audit_log(event="schedule_updated", obj=year, actor=actor,
              message=_("Échéancier modifié"),
              data={"before": before,
                    "after": [(i.kind, str(i.amount), str(i.planned_date)) for i in items]})
    return lines
