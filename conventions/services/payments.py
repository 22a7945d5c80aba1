"""Writes on payments: payment order (mandat) then payment, never on an unconfirmed tranche."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from backoffice.core import dates
from backoffice.core.audit import audit_log
from backoffice.core.notifications import Event, notify
from backoffice.core.permissions import require

from ..models import (
    ConventionStatus,
    Payment,
    PaymentStatus,
    ScheduleLine,
    YearStatus,
)
from ..permissions import can
from ._common import apply_transition, convention_url
from .schedule import lines_refresh
from .years import year_mark_paid

PAYMENT_TRANSITIONS = {
    PaymentStatus.ORDERED: {PaymentStatus.PAID, PaymentStatus.CANCELLED},
}


@transaction.atomic
def payment_order(*, line: ScheduleLine, ordered_on: dt.date, mandate_reference: str, actor,
                  account: str = "") -> Payment:
    """Issue the payment order of one schedule line, for its exact amount.

    Refused on an unsigned convention, an unconfirmed tranche ("sous réserve de l'inscription
    des crédits"), a line still waiting for its event, or a line already ordered."""
    require(can, actor, "payment.manage", line)
    line = ScheduleLine.objects.select_for_update().select_related(
        "year__convention").get(pk=line.pk)
    year, convention = line.year, line.year.convention
    if convention.status not in (ConventionStatus.SIGNED, ConventionStatus.ACTIVE):
        raise ValidationError(_("Aucun versement sur une convention qui n'est pas signée."))
    if year.status == YearStatus.PLANNED:
        raise ValidationError(_("Aucun versement sur une tranche non confirmée : la tranche "
                                "%(year)s attend le vote des crédits.") % {"year": year.year})
    if line.trigger_date is None:
        raise ValidationError(_("Cette échéance n'est pas encore exigible : le compte rendu "
                                "financier de l'année précédente doit d'abord être approuvé."))
    if line.amount <= 0:
        raise ValidationError(_("Cette échéance est à 0 € (annulée ou réduite) : il n'y a rien à "
                                "mandater."))
    if not mandate_reference.strip():
        raise ValidationError({"mandate_reference": _("Indiquez la référence du mandat.")})
    if ordered_on is None:
        raise ValidationError({"ordered_on": _("Indiquez la date du mandat.")})
    errors = dates.collect(
        ordered_on=dates.future_error(value=ordered_on, today=timezone.localdate(),
                                      label=_("la date du mandat"))
        or dates.order_error(earlier=convention.signed_on, later=ordered_on,
                             earlier_label=_("la signature de la convention"),
                             later_label=_("la date du mandat"),
                             hint=_("un mandat suit la signature qui l'autorise.")))
    if errors:
        raise ValidationError(errors)
    payment = Payment(line=line, amount=line.amount, ordered_on=ordered_on,
                      mandate_reference=mandate_reference.strip(),
                      account=account.strip() or convention.imputation, created_by=actor)
    payment.full_clean()
    try:
        with transaction.atomic():
            payment.save()
    except IntegrityError as exc:
        raise ValidationError(_("Cette échéance a déjà un mandat en cours.")) from exc
    audit_log(event="payment_ordered", obj=payment, actor=actor,
              message=_("Mandat émis"), data={"amount": str(payment.amount)})
    return payment


@transaction.atomic
def payment_transition(*, payment: Payment, to: str, actor, paid_on: dt.date | None = None
                       ) -> Payment:
    """The one status function of a payment: ordered → paid (with its date) or cancelled.
    A paid line may complete its tranche (→ paid)."""
    require(can, actor, "payment.manage", payment)
    payment = Payment.objects.select_for_update().select_related(
        "line__year__convention__organisation").get(pk=payment.pk)
    if to == PaymentStatus.PAID:
        if paid_on is None:
            raise ValidationError({"paid_on": _("Indiquez la date du versement.")})
        if paid_on < payment.ordered_on:
            raise ValidationError({"paid_on": _("Le versement ne peut pas précéder le mandat.")})
        future = dates.future_error(value=paid_on, today=timezone.localdate(),
                                    label=_("la date du versement"))
        if future:
            raise ValidationError({"paid_on": future})
        payment.paid_on = paid_on
    apply_transition(obj=payment, to=to, table=PAYMENT_TRANSITIONS, actor=actor,
                     event=f"payment_{to}", label=_("le versement"))
    if to == PaymentStatus.PAID:
        year_mark_paid(year=payment.line.year, actor=actor)
        convention = payment.line.year.convention
        notify(Event.PAYMENT_PAID, convention, actor, url=convention_url(convention),
               context={"payment": payment})
    return payment


@transaction.atomic
@transaction.atomic
def payment_record(*, line: ScheduleLine, mandate_reference: str, actor,
                   paid_on: dt.date | None = None, ordered_on: dt.date | None = None,
                   account: str = "") -> Payment:
    """Record the payment order of a line and, when ``paid_on`` is given, its payment: both or
    nothing (the convention page and the API alike). The order is dated ``ordered_on``, or the
    payment day when only that is known."""
    require(can, actor, "payment.manage", line)
    payment = payment_order(line=line, ordered_on=ordered_on or paid_on,
                            mandate_reference=mandate_reference, account=account, actor=actor)
    if paid_on is None:
        return payment
    return payment_transition(payment=payment, to=PaymentStatus.PAID, paid_on=paid_on,
                              actor=actor)


@transaction.atomic
def payment_cancel(*, payment: Payment, actor, reason: str) -> Payment:
    """Cancel a wrong payment order (not yet paid), with its reason. The order stays in the
    history of its line, the line becomes payable again (a new order may be issued) and the
    schedule still sums exactly to the tranche. A paid payment is never cancelled: money paid
    comes back through a repayment."""
    payment = Payment.objects.select_for_update().select_related(
        "line__year__convention").get(pk=payment.pk)
    if payment.status == PaymentStatus.PAID:
        raise ValidationError(_("Ce versement a été payé le %(date)s : il ne peut plus être "
                                "annulé ; demandez un reversement si l'argent doit revenir.")
                              % {"date": payment.paid_on.strftime("%d/%m/%Y")})
    if not (reason or "").strip():
        raise ValidationError({"reason": _("Indiquez pourquoi le mandat est annulé.")})
    apply_transition(obj=payment, to=PaymentStatus.CANCELLED, table=PAYMENT_TRANSITIONS,
                     actor=actor, event="payment_cancelled", label=_("le versement"),
                     message=_("Mandat %(ref)s annulé : %(reason)s")
                     % {"ref": payment.mandate_reference, "reason": reason.strip()},
                     data={"amount": str(payment.amount), "reason": reason.strip()})
    lines_refresh(convention=payment.line.year.convention)
    return payment
