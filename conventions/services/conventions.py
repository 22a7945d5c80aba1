"""Writes on conventions and their yearly tranches: creation, status, confirmation, schedule."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models.functions import Length
from django.utils import timezone
from django.utils.translation import gettext as _

from backoffice.core import dates
from backoffice.core.audit import audit_log
from backoffice.core.money import to_money
from backoffice.core.notifications import Event, notify
from backoffice.core.permissions import require

from .. import rules
from ..models import (
    Convention,
    ConventionStatus,
    ConventionYear,
)
from ..permissions import can
from ._common import apply_transition, conf, convention_url
from .schedule import lines_refresh, schedule_generate

CONVENTION_TRANSITIONS = {
    ConventionStatus.DRAFT: {ConventionStatus.SENT, ConventionStatus.TERMINATED},
    ConventionStatus.SENT: {ConventionStatus.DRAFT, ConventionStatus.SIGNED,
                            ConventionStatus.TERMINATED},
    ConventionStatus.SIGNED: {ConventionStatus.ACTIVE, ConventionStatus.TERMINATED},
    ConventionStatus.ACTIVE: {ConventionStatus.CLOSED, ConventionStatus.TERMINATED},
}


def reference_prefix(authority, year: int) -> str:
    """``CONV-<year>-`` for the authority without a numbering code, ``CONV-<code>-<year>-``
    for the others: two authorities sharing the service never draw the same number."""
    code = authority.reference_code
    return f"CONV-{code}-{year}-" if code else f"CONV-{year}-"


def _next_reference(authority, start: dt.date) -> str:
    """The authority's next number for the year of ``start``. On PostgreSQL a lock on the
    prefix, held until the transaction ends, serialises two agents creating at once (even for
    two authorities sharing the plain sequence); SQLite writes one at a time anyway."""
    prefix = reference_prefix(authority, start.year)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", [prefix])
    # Longest first: « …-10000 » comes after « …-9999 ».
    last = (Convention.objects.filter(reference__startswith=prefix)
            .order_by(Length("reference").desc(), "-reference")
            .values_list("reference", flat=True).first())
    number = int(last.rsplit("-", 1)[1]) + 1 if last else 1
    return f"{prefix}{number:04d}"


def _clean_cofinancing(cofinancing) -> list[dict]:
    cleaned = []
    for index, row in enumerate(cofinancing or [], start=1):
        try:
            amount = to_money(row.get("amount", "0"))
        except (TypeError, ValueError) as exc:
            raise ValidationError({"cofinancing": _("Ligne %(n)s du cofinancement : montant "
                                                    "illisible.") % {"n": index}}) from exc
        if not str(row.get("funder", "")).strip() or amount < 0:
            raise ValidationError({"cofinancing": _("Ligne %(n)s du cofinancement : indiquez le "
                                                    "financeur et un montant positif.")
                                   % {"n": index}})
        status = row.get("status", "requested")
        if status not in ("requested", "obtained"):
            raise ValidationError({"cofinancing": _("Ligne %(n)s du cofinancement : statut "
                                                    "« demandé » ou « obtenu ».") % {"n": index}})
        cleaned.append({"funder": str(row["funder"]).strip(), "amount": str(amount),
                        "status": status})
    return cleaned


def _duration_and_amounts(*, start_date: dt.date, end_date: dt.date, yearly_amounts
                          ) -> tuple[dict[str, list[str]], list[str], list[int], list[Decimal]]:
    """(errors, warnings, covered years, amounts) of a convention's duration and yearly
    amounts, the rules creation and draft edits share: dates in order, at most
    CONVENTIONS_MAX_YEARS years (a warning beyond the recommended 4, circulaire 5811-SG),
    exactly one amount per covered calendar year, every amount ≥ 0 and one at least > 0."""
    c = conf()
    errors: dict[str, list[str]] = {}
    warnings: list[str] = []
    years: list[int] = []
    amounts: list[Decimal] = []
    if start_date and end_date and end_date < start_date:
        errors["end_date"] = [_("La date de fin doit suivre la date de début.")]
        return errors, warnings, years, amounts
    years = rules.calendar_years(start_date, end_date)
    if len(years) > c.max_years:
        errors["end_date"] = [_("Une convention couvre au plus %(n)s années.")
                              % {"n": c.max_years}]
    elif len(years) > c.recommended_years:
        warnings.append(_("La circulaire du 29 septembre 2015 recommande des conventions de "
                          "%(n)s ans au plus.") % {"n": c.recommended_years})
    try:
        amounts = [to_money(a) for a in yearly_amounts]
    except (TypeError, ValueError):
        amounts = []
        errors["yearly_amounts"] = [_("Un montant annuel est illisible.")]
    if amounts and len(amounts) != len(years):
        errors["yearly_amounts"] = [_("Indiquez un montant pour chacune des %(n)s années "
                                      "(%(first)s à %(last)s).")
                                    % {"n": len(years), "first": years[0],
                                       "last": years[-1]}]
    elif amounts and (any(a < 0 for a in amounts) or not any(a > 0 for a in amounts)):
        errors["yearly_amounts"] = [_("Les montants annuels sont positifs, et au moins un "
                                      "n'est pas nul.")]
    elif not amounts and "yearly_amounts" not in errors:
        errors["yearly_amounts"] = [_("Indiquez un montant pour chacune des %(n)s années "
                                      "(%(first)s à %(last)s).")
                                    % {"n": len(years), "first": years[0],
                                       "last": years[-1]}]
    return errors, warnings, years, amounts


@transaction.atomic
def convention_create(*, authority, organisation, object: str, nature: str, start_date: dt.date,
                      end_date: dt.date, yearly_amounts: list[Decimal], actor,
                      imputation: str = "", keep_rule_rate: Decimal | None = None,
                      keep_rule_text: str = "", advance_rate: Decimal | None = None,
                      advance_delay_days: int | None = None,
                      balance_requires_report: bool | None = None,
                      conditions_of_use: str = "", evaluation_terms: str = "",
                      cofinancing: list[dict] | None = None,
                      volunteering_planned: Decimal = Decimal("0"),
                      decision_reference: str = "", decision_date: dt.date | None = None,
                      ) -> Convention:
    """Create a draft convention with one tranche per calendar year and its planned schedule.

    Invariants: exactly one amount per covered calendar year, at most CONVENTIONS_MAX_YEARS
    years (a warning in ``convention.warnings`` beyond the recommended 4, circulaire 5811-SG),
    every amount ≥ 0 with at least one positive; nothing saved when anything is invalid.
    """
    require(can, actor, "convention.manage", None)
    c = conf()
    errors, warnings, years, amounts = _duration_and_amounts(
        start_date=start_date, end_date=end_date, yearly_amounts=yearly_amounts)
    if errors:
        raise ValidationError(errors)
    convention = Convention(
        reference=_next_reference(authority, start_date), authority=authority, organisation=organisation,
        object=object, nature=nature,
        imputation=imputation.strip() or rules.default_imputation(
            nature=nature, operating=c.default_imputation, investment=c.investment_imputation),
        start_date=start_date, end_date=end_date,
        keep_rule_rate=c.default_keep_rate if keep_rule_rate is None else keep_rule_rate,
        keep_rule_text=keep_rule_text,
        advance_rate=c.advance_rate if advance_rate is None else advance_rate,
        advance_delay_days=(c.advance_delay_days if advance_delay_days is None
                            else advance_delay_days),
        payment_delay_days=c.payment_delay_days,
        balance_requires_report=(c.balance_requires_report if balance_requires_report is None
                                 else balance_requires_report),
        conditions_of_use=conditions_of_use, evaluation_terms=evaluation_terms,
        cofinancing=_clean_cofinancing(cofinancing),
        volunteering_planned=to_money(volunteering_planned),
        decision_reference=decision_reference, decision_date=decision_date, created_by=actor,
    )
    convention.full_clean()
    convention.save()
    for year, amount in zip(years, amounts, strict=True):
        tranche = ConventionYear(convention=convention, year=year, planned_amount=amount)
        tranche.full_clean()
        tranche.save()
        schedule_generate(year=tranche)
    audit_log(event="convention_created", obj=convention, actor=actor,
              message=_("Convention créée"),
              data={"amounts": [str(a) for a in amounts], "warnings": warnings})
    convention.warnings = warnings
    return convention


def annual_amount(convention: Convention) -> Decimal:
    """The annual amount of a convention's cash aid (décret 2001-495): a project of 12 months
    or less in full, a longer one per 12 months, never less than its largest tranche."""
    yearly = [y.granted_amount for y in convention.years.all()]
    return rules.annual_amount(total=sum(yearly, Decimal("0.00")), yearly=yearly,
                               start=convention.start_date, end=convention.end_date)


def organisation_aid_by_year(*, organisation, authority) -> dict[int, Decimal]:
    """All the aid the authority grants one organisation per calendar year, cash and in kind
    (loi 2000-321 art. 9-1 and 10): every convention or letter not terminated counts its
    annual amount in each year it covers, every in-kind aid its value in its year."""
    conventions = (Convention.objects.filter(organisation=organisation, authority=authority)
                   .exclude(status=ConventionStatus.TERMINATED)
                   .prefetch_related("years", "in_kind_aids"))
    aids = []
    for item in conventions:
        aids.append(([y.year for y in item.years.all()], annual_amount(item)))
        aids.extend(([aid.year], aid.value) for aid in item.in_kind_aids.all())
    return rules.aid_by_year(aids)


def requires_convention(convention: Convention) -> bool:
    """Loi 2000-321 art. 10, décret 2001-495: a written convention when the organisation's
    annual aid from the authority, all awards and in-kind aid added up, exceeds the
    threshold in any year this convention covers."""
    totals = organisation_aid_by_year(organisation=convention.organisation,
                                      authority=convention.authority)
    years = [y.year for y in convention.years.all()]
    return rules.requires_convention(yearly_amounts=[totals.get(y, Decimal("0")) for y in years],
                                     threshold=conf().threshold)


def main_document_kind(convention: Convention) -> str:
    """A convention above the threshold, a notification letter below it."""
    return "convention" if requires_convention(convention) else "notification"


def missing_clauses(convention: Convention) -> list[str]:
    """French list of what the document still lacks before it can be sent or signed."""
    missing = []
    organisation, authority = convention.organisation, convention.authority
    if not convention.object.strip():
        missing.append(_("l'objet"))
    if not convention.imputation.strip():
        missing.append(_("l'imputation budgétaire"))
    if not convention.conditions_of_use.strip():
        missing.append(_("les conditions d'utilisation"))
    if not convention.evaluation_terms.strip():
        missing.append(_("les modalités de contrôle et d'évaluation"))
    if not convention.keep_rule_text.strip():
        missing.append(_("la règle de l'excédent raisonnable"))
    if not (organisation.siret or organisation.rna):
        missing.append(_("le SIRET ou le numéro RNA du bénéficiaire"))
    if not organisation.cer_accepted:
        # Loi 2021-1109: no subsidy without the contrat d'engagement républicain.
        missing.append(_("l'acceptation du contrat d'engagement républicain"))
    if not authority.signatory_name:
        missing.append(_("le signataire de la collectivité"))
    if not (convention.decision_reference.strip() and convention.decision_date):
        # CGCT L2311-7: each subsidy has its deliberation, cited in the convention's visas.
        missing.append(_("la référence et la date de la délibération"))
    return missing


def signature_date_errors(convention: Convention, on: dt.date) -> dict[str, str]:
    """A signature is recorded once it happened, after the deliberation that decided it and
    after the organisation accepted the contrat d'engagement républicain (loi 2021-1109)."""
    return dates.collect(signed_on=(
        dates.future_error(value=on, today=timezone.localdate(),
                           label=_("la date de signature"))
        or dates.order_error(earlier=convention.decision_date, later=on,
                             earlier_label=_("la délibération"),
                             later_label=_("la date de signature"),
                             hint=_("la convention se signe après la délibération qui "
                                    "l'approuve (CGCT L2311-7)."))
        or dates.order_error(earlier=convention.organisation.cer_accepted_at, later=on,
                             earlier_label=_("l'acceptation du contrat d'engagement "
                                             "républicain"),
                             later_label=_("la date de signature"),
                             hint=_("le contrat d'engagement républicain est accepté avant "
                                    "la signature qu'il conditionne (loi 2021-1109)."))))


@transaction.atomic
def convention_transition(*, convention: Convention, to: str, actor, on: dt.date | None = None,
                          authority_signatory: str = "", organisation_signatory: str = "",
                          reason: str = "") -> Convention:
    """The one status function of a convention (draft → sent → signed → active → closed, or
    terminated). Sending and signing refuse a document with missing clauses; signing freezes
    the document version, sets the open-data deadline and starts the payment clocks."""
    require(can, actor, "convention.sign" if to == ConventionStatus.SIGNED
            else "convention.manage", convention)
    from .documents import document_mark_signed, document_request

    convention = Convention.objects.select_for_update().select_related(
        "organisation", "authority").get(pk=convention.pk)
    on = on or timezone.localdate()
    c = conf()
    kind = main_document_kind(convention)
    if to in (ConventionStatus.SENT, ConventionStatus.SIGNED):
        missing = missing_clauses(convention)
        if missing:
            raise ValidationError(_("Données manquantes pour les clauses obligatoires : "
                                    "%(missing)s.") % {"missing": ", ".join(missing)})
    if to == ConventionStatus.SENT:
        convention.sent_on = on
    elif to == ConventionStatus.SIGNED:
        if not (authority_signatory.strip() and organisation_signatory.strip()):
            raise ValidationError({"organisation_signatory": _(
                "Indiquez les deux signataires (collectivité et organisation).")})
        errors = signature_date_errors(convention, on)
        if errors:
            raise ValidationError(errors)
        convention.signed_on = on
        convention.authority_signatory = authority_signatory.strip()
        convention.organisation_signatory = organisation_signatory.strip()
        convention.open_data_deadline = rules.open_data_deadline(
            signed_on=on, max_yearly=annual_amount(convention),
            threshold=c.threshold, months=c.open_data_months,
            publishes=convention.authority.publishes_open_data)
    elif to == ConventionStatus.TERMINATED:
        if not reason.strip():
            raise ValidationError({"reason": _("Indiquez le motif de la résiliation.")})
        convention.terminated_on = on
        convention.termination_reason = reason.strip()
    apply_transition(obj=convention, to=to, table=CONVENTION_TRANSITIONS, actor=actor,
                     event=f"convention_{to}", label=_("la convention"))
    if to == ConventionStatus.SENT:
        document_request(convention=convention, kind=kind)
        notify(Event.CONVENTION_SENT, convention, actor,
               url=convention_url(convention))
    elif to == ConventionStatus.SIGNED:
        document_mark_signed(convention=convention, kind=kind)
        lines_refresh(convention=convention)
        notify(Event.CONVENTION_SIGNED, convention, actor, url=convention_url(convention))
    return convention
