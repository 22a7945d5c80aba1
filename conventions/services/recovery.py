"""Recovery of money paid: the contradictory procedure (CRPA L121-1, L122-1) of a repayment
(CGCT L1611-4) or of a withdrawal for a breach of the contrat d'engagement républicain
(loi 2000-321 art. 10-1, décret 2021-1947 art. 5). Every step is dated, checked and audited."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from backoffice.core import dates
from backoffice.core.audit import audit_log
from backoffice.core.money import format_eur, to_money

from .. import rules
from ..models import (
    Convention,
    ConventionStatus,
    ConventionYear,
    PaymentStatus,
    Recovery,
    RecoveryGround,
    RecoveryKind,
    RecoveryStatus,
    ScheduleLine,
)
from ._common import apply_transition, conf
from .schedule import lines_refresh, paid_total, schedule_reduce, unpaid_lines

RECOVERY_TRANSITIONS = {
    RecoveryStatus.NOTICE: {RecoveryStatus.OBSERVATIONS, RecoveryStatus.DECIDED,
                            RecoveryStatus.WAIVED},
    RecoveryStatus.OBSERVATIONS: {RecoveryStatus.DECIDED, RecoveryStatus.WAIVED},
    RecoveryStatus.DECIDED: {RecoveryStatus.TITLE},
    RecoveryStatus.TITLE: {RecoveryStatus.SETTLED},
}
NOTICE_DOCUMENT = {RecoveryKind.REPAYMENT: "repayment",
                   RecoveryKind.CER_WITHDRAWAL: "withdrawal_notice"}


def _transition(recovery: Recovery, to: str, actor, **data) -> None:
    apply_transition(obj=recovery, to=to, table=RECOVERY_TRANSITIONS, actor=actor,
                     event=f"recovery_{to}", label=_("le recouvrement"),
                     data={key: str(value) for key, value in data.items()})


def _not_future(value, label: str, field: str) -> None:
    message = dates.future_error(value=value, today=timezone.localdate(), label=label)
    if message:
        raise ValidationError({field: message})


def _dated_after(on: dt.date, *, earlier: dt.date | None, field_label: str, earlier_label,
                 hint) -> None:
    """A step's date: not in the future, and not before the step it follows."""
    _not_future(on, field_label, "on")
    message = dates.order_error(earlier=earlier, later=on, earlier_label=earlier_label,
                                later_label=field_label, hint=hint)
    if message:
        raise ValidationError({"on": message})


def recovery_open(*, convention: Convention, kind: str, amount: Decimal, actor,
                  on: dt.date | None = None, report=None, breach_date: dt.date | None = None,
                  cancelled: Decimal = Decimal("0.00"), ground: str = "", reason: str = ""
                  ) -> Recovery:
    """Notify the organisation of the amount to recover and give it the delay for its
    observations (CONVENTIONS_OBSERVATION_DAYS, 30 by default); the notice letter is dated
    and names that deadline. Caller holds the transaction."""
    from .documents import document_request

    on = on or timezone.localdate()
    recovery = Recovery(convention=convention, kind=kind, amount=amount, report=report,
                        breach_date=breach_date, cancelled_amount=cancelled, notice_on=on,
                        ground=ground, reason=reason,
                        observation_deadline=on + dt.timedelta(days=conf().observation_days))
    recovery.full_clean()
    recovery.save()
    audit_log(event="recovery_notice", obj=convention, actor=actor,
              message=_("%(kind)s notifié : %(amount)s, observations attendues avant le "
                        "%(deadline)s.") % {"kind": recovery.get_kind_display(),
                                            "amount": format_eur(amount),
                                            "deadline": dates.fr(recovery.observation_deadline)},
              data={"recovery": recovery.pk, "amount": str(amount), "ground": ground,
                    "reason": reason})
    document_request(convention=convention, kind=NOTICE_DOCUMENT[kind], report=report,
                     recovery=recovery)
    return recovery


@transaction.atomic
def recovery_observations(*, recovery: Recovery, observations: str, on: dt.date, actor
                          ) -> Recovery:
    """Record the organisation's observations (received after the notice, not in the
    future)."""
    recovery = Recovery.objects.select_for_update().get(pk=recovery.pk)
    if not (observations or "").strip():
        raise ValidationError({"observations": _("Saisissez les observations reçues.")})
    _dated_after(on, earlier=recovery.notice_on,
                 field_label=_("la date de réception des observations"),
                 earlier_label=_("la notification"),
                 hint=_("les observations répondent à la notification."))
    recovery.observations, recovery.observations_on = observations.strip(), on
    _transition(recovery, RecoveryStatus.OBSERVATIONS, actor)
    return recovery


@transaction.atomic
def recovery_decide(*, recovery: Recovery, amount, reasons: str, on: dt.date, actor
                    ) -> Recovery:
    """The reasoned decision (CRPA L122-1, L211-2): taken once the organisation answered or
    its delay for observations ran out, for at most the notified amount; 0 € abandons the
    recovery. Its letter is dated and gives the restitution deadline (6 months for a CER
    withdrawal, décret 2021-1947 art. 5)."""
    from .documents import document_request

    recovery = Recovery.objects.select_for_update().select_related("convention").get(
        pk=recovery.pk)
    try:
        amount = to_money(amount)
    except (TypeError, ValueError) as exc:
        raise ValidationError({"amount": _("Montant illisible.")}) from exc
    if not 0 <= amount <= recovery.amount:
        raise ValidationError({"amount": _(
            "Le montant décidé est compris entre 0 et le montant notifié (%(amount)s) : une "
            "somme plus élevée demande une nouvelle notification.")
            % {"amount": format_eur(recovery.amount)}})
    if not (reasons or "").strip():
        raise ValidationError({"reasons": _("Motivez la décision (CRPA L211-2) : elle répond "
                                            "aux observations reçues.")})
    _not_future(on, _("la date de la décision"), "on")
    if recovery.status == RecoveryStatus.NOTICE and on <= recovery.observation_deadline:
        raise ValidationError({"on": _(
            "Le délai laissé pour les observations court jusqu'au %(deadline)s : la décision "
            "est prise après ce délai, ou après réception des observations.")
            % {"deadline": dates.fr(recovery.observation_deadline)}})
    message = dates.order_error(earlier=recovery.observations_on, later=on,
                                earlier_label=_("la réception des observations"),
                                later_label=_("la date de la décision"),
                                hint=_("la décision répond aux observations."))
    if message:
        raise ValidationError({"on": message})
    c = conf()
    months = (c.cer_restitution_months if recovery.kind == RecoveryKind.CER_WITHDRAWAL
              else c.repayment_due_months)
    recovery.decided_amount, recovery.decision_reasons = amount, reasons.strip()
    recovery.decision_on = on
    recovery.due_date = rules.add_months(on, months) if amount > 0 else None
    _transition(recovery, RecoveryStatus.DECIDED if amount > 0 else RecoveryStatus.WAIVED,
                actor, amount=amount)
    if amount > 0:
        document_request(convention=recovery.convention, kind="recovery_decision",
                         recovery=recovery, report=recovery.report)
    return recovery


@transaction.atomic
def recovery_title(*, recovery: Recovery, reference: str, on: dt.date, actor) -> Recovery:
    """Record the titre de recettes the accountant recovers on (after the decision)."""
    recovery = Recovery.objects.select_for_update().get(pk=recovery.pk)
    if not (reference or "").strip():
        raise ValidationError({"reference": _("Indiquez la référence du titre de recettes.")})
    _dated_after(on, earlier=recovery.decision_on,
                 field_label=_("la date du titre de recettes"),
                 earlier_label=_("la décision"),
                 hint=_("le titre de recettes exécute la décision."))
    recovery.title_reference, recovery.title_date = reference.strip(), on
    _transition(recovery, RecoveryStatus.TITLE, actor, reference=reference.strip())
    return recovery


@transaction.atomic
def recovery_settle(*, recovery: Recovery, on: dt.date, actor,
                    offset_line: ScheduleLine | None = None) -> Recovery:
    """The money came back: received by the accountant, or offset against an unpaid line of
    the same organisation (the line is reduced by the decided amount, its tranche due for the
    rest)."""
    recovery = Recovery.objects.select_for_update().select_related(
        "convention").get(pk=recovery.pk)
    _dated_after(on, earlier=recovery.title_date, field_label=_("la date du recouvrement"),
                 earlier_label=_("le titre de recettes"),
                 hint=_("le recouvrement suit le titre de recettes."))
    if recovery.status != RecoveryStatus.TITLE:
        raise ValidationError(_("Émettez d'abord le titre de recettes : le recouvrement le "
                                "suit."))
    if offset_line is not None:
        line = ScheduleLine.objects.select_for_update().select_related(
            "year__convention").get(pk=offset_line.pk)
        convention = line.year.convention
        if convention.organisation_id != recovery.convention.organisation_id:
            raise ValidationError({"offset_line": _(
                "La compensation se fait sur une échéance de la même organisation.")})
        if line.payments.filter(status__in=[PaymentStatus.ORDERED, PaymentStatus.PAID]).exists():
            raise ValidationError({"offset_line": _(
                "Cette échéance est déjà mandatée : choisissez une échéance non versée.")})
        if line.amount < recovery.decided_amount:
            raise ValidationError({"offset_line": _(
                "L'échéance (%(line)s) est inférieure au montant à recouvrer (%(amount)s) : "
                "choisissez une échéance plus élevée ou encaissez le titre.")
                % {"line": format_eur(line.amount), "amount": format_eur(
                    recovery.decided_amount)}})
        year = ConventionYear.objects.select_for_update().get(pk=line.year_id)
        line.amount -= recovery.decided_amount
        line.full_clean()
        line.save(update_fields=["amount"])
        year.withdrawn_amount += recovery.decided_amount
        year.full_clean()
        year.save(update_fields=["withdrawn_amount"])
        recovery.offset_line = line
        lines_refresh(convention=convention)
    recovery.settled_on = on
    _transition(recovery, RecoveryStatus.SETTLED, actor,
                offset_line=offset_line.pk if offset_line else "")
    return recovery


@transaction.atomic
def convention_withdraw_for_cer_breach(*, convention: Convention, breach_date: dt.date,
                                       reason: str, actor, on: dt.date | None = None
                                       ) -> Recovery | None:
    """Withdraw the subsidy pro rata of the period remaining after a CER breach (loi 2000-321
    art. 10-1, décret 2021-1947 art. 5 II): the withdrawn part is cancelled on the unpaid
    lines (later tranches first), the convention is terminated, and what was paid beyond the
    part kept is recovered through the contradictory procedure. None when nothing was paid
    beyond it."""
    from .conventions import convention_transition

    convention = Convention.objects.select_for_update().get(pk=convention.pk)
    on = on or timezone.localdate()
    if convention.status not in (ConventionStatus.SIGNED, ConventionStatus.ACTIVE):
        raise ValidationError(_("Seule une convention signée peut faire l'objet d'un retrait."))
    if not (reason or "").strip():
        raise ValidationError({"reason": _("Décrivez le manquement au contrat d'engagement "
                                           "républicain (lequel des 7 engagements, quels "
                                           "faits).")})
    if breach_date is None:
        raise ValidationError({"breach_date": _("Indiquez la date du manquement.")})
    errors = dates.collect(breach_date=(
        dates.future_error(value=breach_date, today=timezone.localdate(),
                           label=_("la date du manquement"))
        or (None if convention.start_date <= breach_date <= convention.end_date else _(
            "Le manquement (%(date)s) est hors de la durée de la convention (%(start)s – "
            "%(end)s) : le retrait porte sur la période restant à courir.")
            % {"date": dates.fr(breach_date), "start": dates.fr(convention.start_date),
               "end": dates.fr(convention.end_date)})))
    if errors:
        raise ValidationError(errors)
    years = list(ConventionYear.objects.select_for_update().filter(convention=convention)
                 .order_by("-year"))
    granted = sum((y.amount for y in years), Decimal("0.00"))
    paid = sum((paid_total(y) for y in years), Decimal("0.00"))
    split = rules.cer_withdrawal(granted=granted, paid=paid, start=convention.start_date,
                                 end=convention.end_date, breach_date=breach_date)
    to_cancel = split.cancelled
    for year in years:     # the latest tranches are cancelled first
        free = sum((line.amount for line in unpaid_lines(year)), Decimal("0.00"))
        cut = min(free, to_cancel)
        schedule_reduce(year=year, cut=cut)
        to_cancel -= cut
    convention_transition(convention=convention, to=ConventionStatus.TERMINATED, actor=actor,
                          on=on, reason=_("Manquement au contrat d'engagement républicain "
                                          "le %(date)s : %(reason)s")
                          % {"date": dates.fr(breach_date), "reason": reason.strip()})
    audit_log(event="cer_withdrawal", obj=convention, actor=actor,
              message=_("Retrait pour manquement au contrat d'engagement républicain : "
                        "%(withdrawn)s retirés, %(cancelled)s annulés sur les échéances non "
                        "versées, %(claim)s à recouvrer.")
              % {"withdrawn": format_eur(split.unspent), "cancelled": format_eur(split.cancelled),
                 "claim": format_eur(split.claim)},
              data={"withdrawn": str(split.unspent), "cancelled": str(split.cancelled),
                    "claim": str(split.claim), "breach_date": str(breach_date)})
    claim = claim_within_room(convention=convention, amount=split.claim)
    if claim <= 0:
        return None
    return recovery_open(convention=convention, kind=RecoveryKind.CER_WITHDRAWAL,
                         amount=claim, cancelled=split.cancelled, actor=actor, on=on,
                         breach_date=breach_date, reason=reason.strip())


def claim_within_room(*, convention: Convention, amount: Decimal) -> Decimal:
    """What a new claim may ask back: ``amount``, but never more than was paid and not already
    asked back by the convention's other recoveries (CGCT L1611-4), so that a repayment started
    by hand and the one a financial report or a CER withdrawal finds never claim the same
    money twice. Locks the convention row, as ``repayment_request`` does."""
    from ..selectors import repayment_room

    Convention.objects.select_for_update().filter(pk=convention.pk).exists()
    return min(amount, repayment_room(convention=convention)["room"])


REPAYMENT_STATUSES = (ConventionStatus.SIGNED, ConventionStatus.ACTIVE, ConventionStatus.CLOSED,
                      ConventionStatus.TERMINATED)


@transaction.atomic
def repayment_request(*, convention: Convention, ground: str, amount, reason: str,
                      on: dt.date, actor) -> Recovery:
    """Claim back money paid outside a financial report (CGCT L1611-4): paid and not used, or
    a breach of the convention. At most what was paid minus what the convention's recoveries
    already ask back; the reason is required; dated today or before. The notice then follows
    the contradictory procedure like any other recovery."""
    from ..selectors import repayment_room

    convention = Convention.objects.select_for_update().get(pk=convention.pk)
    if convention.status not in REPAYMENT_STATUSES:
        raise ValidationError(_("Seule une convention signée peut donner lieu à un "
                                "reversement : rien n'a été versé avant la signature."))
    errors = {}
    if ground not in RecoveryGround.values:
        errors["ground"] = _("Choisissez le fondement de la demande de reversement.")
    if not (reason or "").strip():
        errors["reason"] = _("Décrivez les faits qui fondent la demande (quelles sommes, quelle "
                             "obligation de la convention) : ils figurent dans la notification.")
    message = dates.future_error(value=on, today=timezone.localdate(),
                                 label=_("la date de la notification")) or dates.order_error(
        earlier=convention.signed_on, later=on, earlier_label=_("la signature de la convention"),
        later_label=_("la date de la notification"),
        hint=_("seule une somme versée se reverse, et rien n'est versé avant la signature."))
    if message:
        errors["on"] = message
    room = repayment_room(convention=convention)
    try:
        amount = to_money(amount)
    except (TypeError, ValueError):
        errors["amount"] = _("Montant illisible.")
    else:
        if amount <= 0:
            errors["amount"] = _("Indiquez un montant à reverser supérieur à 0 €.")
        elif amount > room["room"]:
            errors["amount"] = _(
                "Le montant dépasse ce qui peut être demandé : %(paid)s versés, %(claimed)s "
                "déjà demandés en reversement, soit au plus %(room)s (article L1611-4 du CGCT : "
                "seule une somme versée se reverse).") % {
                "paid": format_eur(room["paid"]), "claimed": format_eur(room["claimed"]),
                "room": format_eur(room["room"])}
    if errors:
        raise ValidationError(errors)
    return recovery_open(convention=convention, kind=RecoveryKind.REPAYMENT, amount=amount,
                         actor=actor, on=on, ground=ground, reason=reason.strip())
