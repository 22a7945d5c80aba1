"""Writes on amendments: drafted with a reason, effective only once signed."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from backoffice.core.audit import audit_log
from backoffice.core.money import to_money
from backoffice.core.notifications import Event, notify
from backoffice.core.permissions import require

from .. import rules
from ..models import (
    Amendment,
    AmendmentStatus,
    Convention,
    ConventionStatus,
    ConventionYear,
    YearStatus,
)
from ..permissions import can
from ._common import apply_transition, conf
from .conventions import main_document_kind, year_reopen
from .schedule import lines_refresh, paid_total, schedule_generate

AMENDMENT_TRANSITIONS = {
    AmendmentStatus.DRAFT: {AmendmentStatus.SIGNED, AmendmentStatus.CANCELLED},
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
            errors.append(_("La tranche %(year)s ne peut pas descendre à %(amount)s € : "
                            "%(paid)s € sont déjà mandatés ou versés.")
                          % {"year": year, "amount": amount,
                             "paid": paid_total(existing[year])})
    for year, tranche in existing.items():
        if year not in covered and paid_total(tranche) > 0:
            errors.append(_("La tranche %(year)s a déjà des versements : elle ne peut pas être "
                            "retirée.") % {"year": year})
    if errors:
        raise ValidationError(errors)


def _parse_amounts(new_amounts) -> dict[int, Decimal]:
    try:
        return {int(year): to_money(amount) for year, amount in (new_amounts or {}).items()}
    except (TypeError, ValueError) as exc:
        raise ValidationError({"new_amounts": _("Montant ou année illisible.")}) from exc


@transaction.atomic
def amendment_create(*, convention: Convention, reason: str, actor, new_amounts=None,
                     new_end_date: dt.date | None = None) -> Amendment:
    """Draft an amendment. Nothing changes on the convention until it is signed."""
    require(can, actor, "convention.manage", convention)
    convention = Convention.objects.select_for_update().get(pk=convention.pk)
    if convention.status not in (ConventionStatus.SIGNED, ConventionStatus.ACTIVE):
        raise ValidationError(_("Seule une convention signée peut être modifiée par avenant."))
    if not reason.strip():
        raise ValidationError({"reason": _("Indiquez le motif de l'avenant.")})
    amounts = _parse_amounts(new_amounts)
    if not amounts and new_end_date is None:
        raise ValidationError(_("L'avenant ne change rien : indiquez un montant ou une date."))
    _check(convention, amounts, new_end_date)
    number = (convention.amendments.order_by("-number").values_list("number", flat=True)
              .first() or 0) + 1
    amendment = Amendment(convention=convention, number=number, reason=reason.strip(),
                          new_amounts={str(y): str(a) for y, a in sorted(amounts.items())},
                          new_end_date=new_end_date)
    amendment.full_clean()
    amendment.save()
    audit_log(event="amendment_created", obj=amendment, actor=actor, message=reason.strip())
    return amendment


@transaction.atomic
def amendment_transition(*, amendment: Amendment, to: str, actor, on: dt.date | None = None
                         ) -> Amendment:
    """The one status function of an amendment. Signing applies it: new amounts (confirmed
    tranches keep being confirmed), new end date and tranches, rebuilt unpaid schedules, a new
    version of the convention document and the amendment document."""
    require(can, actor, "convention.manage", amendment.convention)
    from .documents import document_request

    amendment = Amendment.objects.select_for_update().select_related("convention").get(
        pk=amendment.pk)
    convention = Convention.objects.select_for_update().get(pk=amendment.convention_id)
    on = on or timezone.localdate()
    if to == AmendmentStatus.SIGNED:
        amounts = _parse_amounts(amendment.new_amounts)
        _check(convention, amounts, amendment.new_end_date)
        amendment.signed_on = on
    apply_transition(obj=amendment, to=to, table=AMENDMENT_TRANSITIONS, actor=actor,
                     event=f"amendment_{to}", label=_("l'avenant"))
    if to != AmendmentStatus.SIGNED:
        return amendment
    if amendment.new_end_date:
        convention.end_date = amendment.new_end_date
        convention.full_clean()
        convention.save()
    covered = rules.calendar_years(convention.start_date, convention.end_date)
    convention.years.exclude(year__in=covered).delete()
    existing = {y.year: y for y in convention.years.all()}
    for year in covered:
        tranche = existing.get(year)
        amount = amounts.get(year)
        if tranche is None:
            tranche = ConventionYear(convention=convention, year=year,
                                     planned_amount=amount or Decimal("0.00"))
            tranche.full_clean()
            tranche.save()
            schedule_generate(year=tranche)
            continue
        if amount is None:
            continue
        if tranche.status == YearStatus.PLANNED:
            tranche.planned_amount = amount
        else:
            tranche.confirmed_amount = amount
        tranche.full_clean()
        tranche.save()
        if amount > paid_total(tranche):
            year_reopen(year=tranche, actor=actor)
        schedule_generate(year=tranche)
    lines_refresh(convention=convention)
    document_request(convention=convention, kind="amendment", amendment=amendment)
    document_request(convention=convention, kind=main_document_kind(convention))
    notify(Event.AMENDMENT_SIGNED, convention, actor, url=f"/conventions/{convention.pk}/",
           context={"amendment": amendment})
    return amendment
