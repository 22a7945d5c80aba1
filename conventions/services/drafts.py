"""Editing a draft convention: its clauses, duration and yearly amounts, before it is sent.
Once sent, a convention changes only by an amendment (``amendments``)."""

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
from backoffice.core.permissions import require
from backoffice.core.services import reject_unknown_keys
from backoffice.core.versioning import object_version, version_check

from .. import rules
from ..models import Convention, ConventionStatus, ConventionYear
from ..permissions import can
from ._common import conf
from .conventions import _clean_cofinancing, _duration_and_amounts
from .schedule import schedule_generate

# The clauses of a draft that ``convention_update`` edits, besides duration and amounts.
DRAFT_TERMS = ("object", "nature", "imputation", "keep_rule_rate", "keep_rule_text",
               "advance_rate", "advance_delay_days", "payment_delay_days",
               "balance_requires_report", "conditions_of_use", "evaluation_terms",
               "cofinancing", "volunteering_planned", "decision_reference", "decision_date",
               "aid_form", "eu_notified")
# Loi 2021-875 art. 10: a subsidy is paid within 60 days of its triggering event.
LEGAL_PAYMENT_DELAY_DAYS = 60
# A change of these rebuilds every tranche's planned schedule (advance share and date,
# balance waiting for the previous report).
SCHEDULE_TERMS = ("start_date", "advance_rate", "advance_delay_days", "balance_requires_report")


def convention_version(convention: Convention) -> str:
    """The version an edit page of a draft carries: the convention row and its tranches."""
    return object_version(convention, related=[
        ConventionYear.history.filter(convention_id=convention.pk)])


def _locked_draft(convention: Convention, version: str | None) -> Convention:
    """The convention row locked, refused when it has left the draft or changed since the
    form was opened."""
    convention = (Convention.objects.select_for_update(of=("self",))
                  .select_related("organisation", "authority", "award").get(pk=convention.pk))
    if convention.status != ConventionStatus.DRAFT:
        raise ValidationError(_("La convention n'est plus un brouillon (%(status)s) : ses "
                                "clauses se modifient désormais par un avenant.")
                              % {"status": convention.get_status_display().lower()})
    version_check(obj=convention, version=version, related=[
        ConventionYear.history.filter(convention_id=convention.pk)])
    return convention


def _decision_date_error(convention: Convention, terms: dict) -> str:
    return dates.future_error(value=terms.get("decision_date", convention.decision_date),
                              today=timezone.localdate(), label=_("la date de la délibération"))


def _award_error(convention: Convention, amounts: list[Decimal]) -> str:
    """The deliberation decided the award: the convention cannot promise more."""
    award = convention.award
    total = sum(amounts, Decimal("0.00"))
    if award is None or not amounts or total <= award.amount:
        return ""
    return _("Le total des montants annuels (%(total)s) dépasse la subvention attribuée "
             "(%(award)s) par la délibération %(ref)s.") % {
        "total": format_eur(total), "award": format_eur(award.amount),
        "ref": award.deliberation_reference}


def _in_kind_error(convention: Convention, years: list[int]) -> str:
    """Every aid in kind stays within the covered years."""
    outside = sorted({aid.year for aid in convention.in_kind_aids.all()
                      if aid.year not in years}) if years else []
    if not outside:
        return ""
    return _("Une aide en nature est valorisée en %(years)s, hors de la nouvelle durée "
             "(%(first)s à %(last)s).") % {"years": ", ".join(str(y) for y in outside),
                                          "first": years[0], "last": years[-1]}


def _delay_error(convention: Convention, terms: dict) -> str:
    delay = terms.get("payment_delay_days", convention.payment_delay_days)
    if delay is not None and 1 <= delay <= LEGAL_PAYMENT_DELAY_DAYS:
        return ""
    return _("Le délai de paiement est compris entre 1 et %(n)s jours (loi n° 2021-875).") % {
        "n": LEGAL_PAYMENT_DELAY_DAYS}


def _draft_errors(convention: Convention, terms: dict, errors: dict, years: list[int],
                  amounts: list[Decimal]) -> dict[str, list[str]]:
    """Every refusal at once, each on its field; ``terms['cofinancing']`` is cleaned in place."""
    errors = {field: list(messages) for field, messages in errors.items()}
    for field, message in (("decision_date", _decision_date_error(convention, terms)),
                           ("yearly_amounts", _award_error(convention, amounts)),
                           ("end_date", _in_kind_error(convention, years)),
                           ("payment_delay_days", _delay_error(convention, terms))):
        if message:
            errors.setdefault(field, []).append(message)
    if "cofinancing" in terms:
        try:
            terms["cofinancing"] = _clean_cofinancing(terms["cofinancing"])
        except ValidationError as exc:
            for field, messages in exc.message_dict.items():
                errors.setdefault(field, []).extend(messages)
    return errors


def _apply_terms(convention: Convention, *, start_date: dt.date, end_date: dt.date,
                 terms: dict) -> list[str]:
    """Set the new clauses on the row, save it, and return the names of those that changed."""
    before = {name: getattr(convention, name) for name in ("start_date", "end_date", *DRAFT_TERMS)}
    convention.start_date, convention.end_date = start_date, end_date
    for name, value in terms.items():
        if name == "volunteering_planned":
            value = to_money(value)
        elif isinstance(value, str):
            value = value.strip()
        setattr(convention, name, value)
    if not convention.imputation:
        c = conf()
        convention.imputation = rules.default_imputation(
            nature=convention.nature, operating=c.default_imputation,
            investment=c.investment_imputation)
    convention.full_clean()
    convention.save()
    return [name for name, value in before.items() if getattr(convention, name) != value]


def _sync_tranches(convention: Convention, *, years: list[int], amounts: list[Decimal],
                   rebuild_all: bool) -> dict[int, str]:
    """Tranches follow the new years: removed outside them, created for new ones; a tranche's
    schedule is rebuilt when its amount changes (or every one when ``rebuild_all``), kept as
    edited otherwise. Returns the amounts before, by year."""
    existing = {tranche.year: tranche for tranche in convention.years.all()}
    for year, tranche in existing.items():
        if year not in years:
            tranche.lines.all().delete()
            tranche.delete()
    amounts_before = {year: str(t.planned_amount) for year, t in existing.items()}
    for year, amount in zip(years, amounts, strict=True):
        tranche = existing.get(year)
        if tranche is None:
            tranche = ConventionYear(convention=convention, year=year, planned_amount=amount)
        elif tranche.planned_amount == amount and not rebuild_all:
            continue
        tranche.planned_amount = amount
        tranche.full_clean()
        tranche.save()
        schedule_generate(year=tranche)
    return amounts_before


def convention_update(*, convention: Convention, actor, start_date: dt.date, end_date: dt.date,
                      yearly_amounts: list[Decimal], version: str | None = None,
                      **terms) -> Convention:
    """Change the clauses, duration and yearly amounts of a draft convention.

    Invariants: only a draft changes (once sent, an amendment does); the same rules as
    creation hold (dates in order, at most CONVENTIONS_MAX_YEARS years, one amount ≥ 0 per
    covered year and one at least > 0, readable co-financing), plus: the deliberation is not
    dated in the future, a convention made from an award never totals more than the award
    decided, and every aid in kind stays within the covered years. A form opened on an older
    ``version`` saves nothing. Tranches follow the new years; a tranche's schedule is rebuilt
    when its amount or the schedule's terms change, and kept as edited otherwise. Nothing is
    saved when anything is refused.
    """
    require(can, actor, "convention.edit", convention)
    reject_unknown_keys(terms, DRAFT_TERMS)
    with transaction.atomic():
        convention = _locked_draft(convention, version)
        errors, warnings, years, amounts = _duration_and_amounts(
            start_date=start_date, end_date=end_date, yearly_amounts=yearly_amounts)
        errors = _draft_errors(convention, terms, errors, years, amounts)
        if errors:
            raise ValidationError(errors)
        changed = _apply_terms(convention, start_date=start_date, end_date=end_date, terms=terms)
        amounts_before = _sync_tranches(
            convention, years=years, amounts=amounts,
            rebuild_all=any(name in changed for name in SCHEDULE_TERMS))
        audit_log(event="convention_updated", obj=convention, actor=actor,
                  message=_("Clauses du brouillon modifiées"),
                  data={"fields": changed, "amounts_before": amounts_before,
                        "amounts_after": {year: str(amount)
                                          for year, amount in zip(years, amounts, strict=True)},
                        "warnings": warnings})
    convention.warnings = warnings
    return convention
