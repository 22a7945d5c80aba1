"""Valuation: method of an organisation, dated rates, explicit re-valuation."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from backoffice.core.audit import audit_log
from backoffice.core.money import format_eur

from .. import rules, selectors
from ..models import (
    EntryStatus,
    ValuationRate,
    VolunteerEntry,
    VolunteeringProfile,
)
from ._common import (
    _require,
    rate_message,
)


def organisation_set_valuation_method(*, organisation, method: str, actor) -> VolunteeringProfile:
    """Record the organisation's valuation method. Existing entries keep their stored value:
    applying the new method to them is an explicit re-valuation (entries_revalue)."""
    _require(actor, "volunteering.manage", organisation)
    with transaction.atomic():
        profile, _created = VolunteeringProfile.objects.select_for_update().get_or_create(
            organisation=organisation)
        previous = profile.valuation_method
        profile.valuation_method = method
        profile.full_clean()
        profile.save()
        audit_log(event="volunteer_valuation_method_changed", obj=organisation, actor=actor,
                  message=_("Méthode de valorisation du bénévolat : %(method)s.")
                  % {"method": profile.get_valuation_method_display()},
                  data={"from": previous, "to": method})
    return profile


def valuation_rate_create(*, kind: str, valid_from: dt.date, value: Decimal, qualification: str = "",
                          source: str = "", actor) -> ValuationRate:
    """Add a dated rate. It applies to entries logged afterwards; stored values do not move."""
    _require(actor, "volunteering.rates", None)
    with transaction.atomic():
        rate = ValuationRate(kind=kind, valid_from=valid_from, value=value,
                             qualification=qualification, source=source)
        rate.full_clean()
        rate.save()
        audit_log(event="volunteer_rate_created", obj=rate, actor=actor, message=str(rate))
    return rate


def _valuation(*, organisation, on: dt.date, qualification: str, rates=None,
               method: str | None = None) -> tuple[str, Decimal]:
    method = method or selectors.valuation_method_of(organisation)
    try:
        rate = rules.hourly_rate(rates if rates is not None else selectors.rate_table(),
                                 method=method, on=on, qualification=qualification)
    except rules.RateMissing as exc:
        raise ValidationError({"date": rate_message(exc)}) from exc
    return method, rate


def entries_revalue(*, organisation, year: int, actor) -> dict:
    """Re-value the organisation's draft and validated entries of ``year`` with its current
    method and the rates now in force on each entry's date.

    Locked entries (used by an approved financial report) never move. Audited with the totals
    before and after."""
    _require(actor, "volunteering.revalue", organisation)
    start, end = rules.year_bounds(year)
    rates = selectors.rate_table()
    method = selectors.valuation_method_of(organisation)
    with transaction.atomic():
        entries = list(VolunteerEntry.objects.select_for_update().filter(
            organisation=organisation, date__range=(start, end),
            status__in=[EntryStatus.DRAFT, EntryStatus.VALIDATED]))
        before = sum((e.value for e in entries), rules.ZERO)
        changed = []
        for entry in entries:
            _method, rate = _valuation(organisation=organisation, on=entry.date,
                                       qualification=entry.qualification, rates=rates,
                                       method=method)
            value = rules.entry_value(entry.hours, rate)
            if (entry.valuation_method, entry.rate, entry.value) != (method, rate, value):
                entry.valuation_method, entry.rate, entry.value = method, rate, value
                entry._change_reason = "revaluation"
                entry.save(update_fields=["valuation_method", "rate", "value"])
                changed.append(entry.pk)
        after = sum((e.value for e in entries), rules.ZERO)
        audit_log(event="volunteer_entries_revalued", obj=organisation, actor=actor,
                  message=_("Revalorisation des heures de bénévolat %(year)s : %(before)s → "
                            "%(after)s.") % {"year": year, "before": format_eur(before),
                                              "after": format_eur(after)},
                  data={"year": year, "changed": len(changed), "before": str(before),
                        "after": str(after), "method": method})
    return {"changed": len(changed), "before": before, "after": after}
