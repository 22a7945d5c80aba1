"""Writes on amendments: drafted with a reason, effective only once signed."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from backoffice.core import dates
from backoffice.core.audit import audit_log
from backoffice.core.money import format_eur, to_money
from backoffice.core.notifications import Event, notify
from backoffice.core.permissions import require

from .. import rules
from ..models import (
    Amendment,
    AmendmentStatus,
    Convention,
    ConventionStatus,
    ConventionYear,
    FinancialReport,
    Payment,
    ReportStatus,
    YearStatus,
)
from ..permissions import can
from ._common import apply_transition, conf, convention_url
from .conventions import annual_amount, main_document_kind
from .schedule import lines_refresh, paid_total, schedule_generate
from .years import year_reopen

AMENDMENT_TRANSITIONS = {
    AmendmentStatus.DRAFT: {AmendmentStatus.SENT, AmendmentStatus.CANCELLED},
    AmendmentStatus.SENT: {AmendmentStatus.SIGNED, AmendmentStatus.DRAFT,
                           AmendmentStatus.CANCELLED},
}


def _check(convention: Convention, new_amounts: dict[int, Decimal],
           new_end_date: dt.date | None) -> None:
    """Refuse an amendment that would lower a tranche below what is already paid or ordered,
    or drop a tranche with payments."""
    errors = []
    end = new_end_date or convention.end_date
    if end < convention.start_date:
        raise ValidationError({"new_end_date": _("La nouvelle date de fin précède le début.")})
    covered = set(rules.calendar_years(convention.start_date, end))
    if len(covered) > conf().max_years:
        raise ValidationError({"new_end_date": _("Une convention couvre au plus %(n)s années.")
                               % {"n": conf().max_years}})
    existing = {y.year: y for y in convention.years.all()}
    for year, amount in new_amounts.items():
        if year not in covered:
            errors.append(_("L'année %(year)s est hors de la durée de la convention.")
                          % {"year": year})
        elif amount < 0:
            errors.append(_("Le montant de %(year)s ne peut pas être négatif.") % {"year": year})
        elif year in existing and amount < paid_total(existing[year]):
            errors.append(_("La tranche %(year)s ne peut pas descendre à %(amount)s : "
                            "%(paid)s sont déjà mandatés ou versés.")
                          % {"year": year, "amount": format_eur(amount),
                             "paid": format_eur(paid_total(existing[year]))})
    for year, tranche in existing.items():
        if year not in covered and Payment.objects.filter(line__year=tranche).exists():
            errors.append(_("La tranche %(year)s a déjà des mandats ou des versements : elle ne "
                            "peut pas être retirée.") % {"year": year})
    if errors:
        raise ValidationError(errors)


def _parse_amounts(new_amounts) -> dict[int, Decimal]:
    try:
        return {int(year): to_money(amount) for year, amount in (new_amounts or {}).items()}
    except (TypeError, ValueError) as exc:
        raise ValidationError({"new_amounts": _("Montant ou année illisible.")}) from exc


def _decision_errors(reference: str, date: dt.date | None, convention: Convention
                     ) -> dict[str, str]:
    """CGCT L2311-7: an amendment is decided by its own deliberation, voted (not in the
    future) after the convention it amends was signed."""
    errors = {}
    if not (reference or "").strip():
        errors["decision_reference"] = _("Indiquez la référence de la délibération qui approuve "
                                         "l'avenant (CGCT L2311-7).")
    if date is None:
        errors["decision_date"] = _("Indiquez la date de la délibération qui approuve "
                                    "l'avenant (CGCT L2311-7).")
    else:
        message = (dates.future_error(value=date, today=timezone.localdate(),
                                      label=_("la date de la délibération"))
                   or dates.order_error(earlier=convention.signed_on, later=date,
                                        earlier_label=_("la signature de la convention"),
                                        later_label=_("la délibération de l'avenant"),
                                        hint=_("un avenant modifie une convention déjà "
                                               "signée.")))
        if message:
            errors["decision_date"] = message
    return errors


@transaction.atomic
def amendment_create(*, convention: Convention, reason: str, actor, new_amounts=None,
                     new_end_date: dt.date | None = None, decision_reference: str = "",
                     decision_date: dt.date | None = None) -> Amendment:
    """Draft an amendment with its own deliberation. Nothing changes on the convention until
    it is signed."""
    require(can, actor, "convention.manage", convention)
    convention = Convention.objects.select_for_update().get(pk=convention.pk)
    if convention.status not in (ConventionStatus.SIGNED, ConventionStatus.ACTIVE):
        raise ValidationError(_("Seule une convention signée peut être modifiée par avenant."))
    if not reason.strip():
        raise ValidationError({"reason": _("Indiquez le motif de l'avenant.")})
    amounts = _parse_amounts(new_amounts)
    if not amounts and new_end_date is None:
        raise ValidationError(_("L'avenant ne change rien : indiquez un montant ou une date."))
    # Every refusal at once: the deliberation's and the amounts'.
    errors = _decision_errors(decision_reference, decision_date, convention)
    try:
        _check(convention, amounts, new_end_date)
    except ValidationError as exc:
        if not errors:
            raise
        errors.update(exc.message_dict if hasattr(exc, "error_dict")
                      else {NON_FIELD_ERRORS: exc.messages})
    if errors:
        raise ValidationError(errors)
    number = (convention.amendments.order_by("-number").values_list("number", flat=True)
              .first() or 0) + 1
    amendment = Amendment(convention=convention, number=number, reason=reason.strip(),
                          new_amounts={str(y): str(a) for y, a in sorted(amounts.items())},
                          new_end_date=new_end_date,
                          decision_reference=decision_reference.strip(),
                          decision_date=decision_date)
    amendment.full_clean()
    amendment.save()
    audit_log(event="amendment_created", obj=amendment, actor=actor, message=reason.strip())
    return amendment


def _signature_errors(amendment: Amendment, on: dt.date) -> dict[str, str]:
    """An amendment is signed after its deliberation, not in the future (CGCT L2311-7)."""
    return dates.collect(signed_on=(
        dates.future_error(value=on, today=timezone.localdate(),
                           label=_("la date de signature de l'avenant"))
        or dates.order_error(earlier=amendment.decision_date, later=on,
                             earlier_label=_("la délibération de l'avenant"),
                             later_label=_("la date de signature de l'avenant"),
                             hint=_("l'avenant se signe après la délibération qui "
                                    "l'approuve (CGCT L2311-7)."))))


def _transition_check(*, amendment: Amendment, convention: Convention, to: str,
                      on: dt.date) -> dict[int, Decimal]:
    """Refuse a move the amendment may not make yet; the new amounts by year when it is sent
    or signed (its deliberation and its amounts are checked again then)."""
    if to == AmendmentStatus.SIGNED and amendment.status == AmendmentStatus.DRAFT:
        raise ValidationError(_("Envoyez d'abord l'avenant pour signature : son document est "
                                "produit à l'envoi, c'est lui que les parties signent."))
    if to not in (AmendmentStatus.SENT, AmendmentStatus.SIGNED):
        return {}
    errors = _decision_errors(amendment.decision_reference, amendment.decision_date,
                              convention)
    if errors:
        raise ValidationError(errors)
    amounts = _parse_amounts(amendment.new_amounts)
    _check(convention, amounts, amendment.new_end_date)
    if to == AmendmentStatus.SIGNED:
        errors = _signature_errors(amendment, on)
        if errors:
            raise ValidationError(errors)
    return amounts


def _years_drop(*, convention: Convention, covered) -> None:
    """Remove the tranches the new end date leaves out."""
    for dropped in convention.years.exclude(year__in=covered):
        # No payment history here (checked above): its planned lines and its empty expected
        # report go with it.
        FinancialReport.objects.filter(year=dropped, status=ReportStatus.EXPECTED).delete()
        dropped.lines.all().delete()
        dropped.delete()


def _tranche_add(*, convention: Convention, year: int, amount: Decimal | None) -> None:
    tranche = ConventionYear(convention=convention, year=year,
                             planned_amount=amount or Decimal("0.00"))
    tranche.full_clean()
    tranche.save()
    schedule_generate(year=tranche)


def _tranche_amend(*, tranche: ConventionYear, amount: Decimal, actor) -> None:
    # The amendment changes the signed amount; a confirmed tranche follows it.
    tranche.planned_amount = amount
    if tranche.status != YearStatus.PLANNED:
        tranche.confirmed_amount = amount
    tranche.full_clean()
    tranche.save()
    if amount > paid_total(tranche):
        year_reopen(year=tranche, actor=actor)
    schedule_generate(year=tranche)


def _tranches_apply(*, convention: Convention, amounts: dict[int, Decimal], actor) -> None:
    """The tranches of the (new) duration: dropped, added, or given their new amount."""
    covered = rules.calendar_years(convention.start_date, convention.end_date)
    _years_drop(convention=convention, covered=covered)
    existing = {y.year: y for y in convention.years.all()}
    for year in covered:
        tranche = existing.get(year)
        amount = amounts.get(year)
        if tranche is None:
            _tranche_add(convention=convention, year=year, amount=amount)
        elif amount is not None:
            _tranche_amend(tranche=tranche, amount=amount, actor=actor)


def _threshold_crossed(*, convention: Convention, amendment: Amendment, on: dt.date,
                       actor) -> None:
    # Loi 2000-321 art. 10: above the threshold the letter becomes a convention, to be
    # signed by both parties, and its essential data must be published (décret 2017-779).
    c = conf()
    convention.open_data_deadline = rules.open_data_deadline(
        signed_on=on, max_yearly=annual_amount(convention),
        threshold=c.threshold, months=c.open_data_months,
        publishes=convention.authority.publishes_open_data)
    convention.full_clean()
    convention.save(update_fields=["open_data_deadline"])
    audit_log(event="convention_threshold_crossed", obj=convention, actor=actor,
              message=_("L'avenant n°%(n)s porte l'aide au-delà du seuil de %(threshold)s "
                        "par an : une convention est à signer par les deux parties et à "
                        "publier en données ouvertes.")
              % {"n": amendment.number, "threshold": format_eur(c.threshold)})


def _amendment_apply(*, amendment: Amendment, convention: Convention,
                     amounts: dict[int, Decimal], was_letter: bool, on: dt.date, actor) -> None:
    """What a signed amendment changes: end date, tranches and their schedules, and a new
    version of the convention document."""
    from .documents import document_mark_signed, document_request

    if amendment.new_end_date:
        convention.end_date = amendment.new_end_date
        convention.full_clean()
        convention.save()
    _tranches_apply(convention=convention, amounts=amounts, actor=actor)
    lines_refresh(convention=convention)
    document_mark_signed(convention=convention, kind="amendment")
    kind = main_document_kind(convention)
    document_request(convention=convention, kind=kind)
    if was_letter and kind == "convention":
        _threshold_crossed(convention=convention, amendment=amendment, on=on, actor=actor)
    notify(Event.AMENDMENT_SIGNED, convention, actor, url=convention_url(convention),
           context={"amendment": amendment})


@transaction.atomic
def amendment_transition(*, amendment: Amendment, to: str, actor, on: dt.date | None = None
                         ) -> Amendment:
    """The one status function of an amendment (draft → sent → signed, or cancelled). Sending
    produces its document, the one to sign; signing (after its deliberation, not in the
    future) applies it: new signed amounts (confirmed tranches keep being confirmed), new end
    date and tranches, rebuilt unpaid schedules, a new version of the convention document
    (a convention to sign when the amendment crosses the threshold)."""
    require(can, actor, "convention.sign" if to == AmendmentStatus.SIGNED
            else "convention.manage", amendment.convention)
    from .documents import document_request

    amendment = Amendment.objects.select_for_update().select_related("convention").get(
        pk=amendment.pk)
    convention = Convention.objects.select_for_update().get(pk=amendment.convention_id)
    on = on or timezone.localdate()
    amounts = _transition_check(amendment=amendment, convention=convention, to=to, on=on)
    if to == AmendmentStatus.SENT:
        amendment.sent_on = on
    if to == AmendmentStatus.SIGNED:
        amendment.signed_on = on
    was_letter = main_document_kind(convention) == "notification"
    apply_transition(obj=amendment, to=to, table=AMENDMENT_TRANSITIONS, actor=actor,
                     event=f"amendment_{to}", label=_("l'avenant"))
    if to == AmendmentStatus.SENT:
        document_request(convention=convention, kind="amendment", amendment=amendment)
    elif to == AmendmentStatus.SIGNED:
        _amendment_apply(amendment=amendment, convention=convention, amounts=amounts,
                         was_letter=was_letter, on=on, actor=actor)
    return amendment
