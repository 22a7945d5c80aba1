"""Writes on the yearly tranches of a convention: confirmation after the budget vote, paid,
closed, reopened by an amendment."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from backoffice.core import dates
from backoffice.core.money import format_eur, to_money
from backoffice.core.notifications import Event, notify
from backoffice.core.permissions import require

from ..models import (
    ConventionStatus,
    ConventionYear,
    FinancialReport,
    PaymentStatus,
    ReportStatus,
    YearStatus,
)
from ..permissions import can
from ._common import apply_transition, convention_url, report_due_date_of
from .conventions import convention_transition
from .schedule import lines_refresh, schedule_generate

YEAR_TRANSITIONS = {
    YearStatus.PLANNED: {YearStatus.CONFIRMED},
    YearStatus.CONFIRMED: {YearStatus.PAID},
    YearStatus.PAID: {YearStatus.CLOSED, YearStatus.CONFIRMED},
}


def _year_transition(*, year: ConventionYear, to: str, actor) -> None:
    apply_transition(obj=year, to=to, table=YEAR_TRANSITIONS, actor=actor,
                     event=f"convention_year_{to}", label=_("la tranche"))


@transaction.atomic
def convention_year_confirm(*, year: ConventionYear, amount: Decimal, vote_reference: str,
                            vote_date: dt.date, actor, on: dt.date | None = None
                            ) -> ConventionYear:
    """Confirm a tranche after the budget vote: the confirmed amount becomes what the
    schedule sums to, the schedule is rebuilt, the financial report is expected by its due
    date; the first confirmation activates a signed convention."""
    require(can, actor, "convention.manage", year.convention)
    year = ConventionYear.objects.select_for_update().select_related("convention").get(pk=year.pk)
    convention = year.convention
    on = on or timezone.localdate()
    if convention.status not in (ConventionStatus.SIGNED, ConventionStatus.ACTIVE):
        raise ValidationError(_("Seule une convention signée peut voir ses tranches confirmées."))
    try:
        amount = to_money(amount)
    except (TypeError, ValueError) as exc:
        raise ValidationError({"amount": _("Montant illisible.")}) from exc
    if amount < 0:
        raise ValidationError({"amount": _("Le montant confirmé ne peut pas être négatif.")})
    if not vote_reference.strip() or vote_date is None:
        raise ValidationError({"vote_reference": _(
            "Indiquez la référence et la date du vote du budget (inscription des crédits).")})
    if amount > year.planned_amount:
        # The yearly amounts are signed (convention or amendment): the budget vote confirms
        # them "sous réserve de l'inscription des crédits", it cannot raise them.
        raise ValidationError({"amount": _(
            "Le montant confirmé (%(amount)s) dépasse le montant signé (%(signed)s) : passez "
            "par un avenant.") % {"amount": format_eur(amount),
                                  "signed": format_eur(year.planned_amount)}})
    errors = dates.collect(
        vote_date=dates.future_error(value=vote_date, today=timezone.localdate(),
                                     label=_("la date du vote du budget"))
        or dates.order_error(earlier=vote_date, later=on, earlier_label=_("le vote du budget"),
                             later_label=_("la date de confirmation"),
                             hint=_("la tranche se confirme après le vote des crédits qui "
                                    "l'autorise.")),
        on=dates.future_error(value=on, today=timezone.localdate(),
                              label=_("la date de confirmation")))
    if errors:
        raise ValidationError(errors)
    year.confirmed_amount = amount
    year.budget_vote_reference = vote_reference.strip()
    year.budget_vote_date = vote_date
    year.confirmed_on = on
    _year_transition(year=year, to=YearStatus.CONFIRMED, actor=actor)
    schedule_generate(year=year)
    FinancialReport.objects.get_or_create(
        year=year, defaults={"due_date": report_due_date_of(year=year)})
    if convention.status == ConventionStatus.SIGNED:
        convention_transition(convention=convention, to=ConventionStatus.ACTIVE, actor=actor,
                              on=on)
    lines_refresh(convention=convention)
    notify(Event.CONVENTION_YEAR_CONFIRMED, convention, actor,
           url=convention_url(convention), context={"year": year})
    return year


def year_close_if_done(*, year: ConventionYear, actor) -> None:
    """A paid tranche whose report is approved is closed; the convention closes with its last
    tranche."""
    report = FinancialReport.objects.filter(year=year).first()
    if year.status == YearStatus.PAID and report and report.status == ReportStatus.APPROVED:
        _year_transition(year=year, to=YearStatus.CLOSED, actor=actor)
    convention = year.convention
    if (convention.status == ConventionStatus.ACTIVE
            and not convention.years.exclude(status=YearStatus.CLOSED).exists()):
        convention_transition(convention=convention, to=ConventionStatus.CLOSED, actor=actor)


def year_mark_paid(*, year: ConventionYear, actor) -> bool:
    """A confirmed tranche whose every line has been paid becomes 'paid' (a line brought to
    0 € by a cancellation or a repayment has nothing left to pay). True when it did."""
    from ..models import Payment

    paid = set(Payment.objects.filter(line__year=year, status=PaymentStatus.PAID)
               .values_list("line_id", flat=True))
    lines = [line for line in year.lines.all() if line.amount > 0 or line.pk in paid]
    if year.status == YearStatus.CONFIRMED and all(line.pk in paid for line in lines) and (
            lines or year.amount == 0):
        _year_transition(year=year, to=YearStatus.PAID, actor=actor)
        year_close_if_done(year=year, actor=actor)
        return True
    return False


def year_reopen(*, year: ConventionYear, actor) -> None:
    """An amendment raising a paid tranche makes it payable again."""
    if year.status == YearStatus.PAID:
        _year_transition(year=year, to=YearStatus.CONFIRMED, actor=actor)
