"""What an award (funds app) brings to a new convention."""

from __future__ import annotations

from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from backoffice.core.audit import audit_log
from backoffice.core.money import split_exact
from funds.models import Award
from funds.selectors import budget_lines_of
from volunteering.services import entries_attach_to_convention

from .. import rules
from ..models import Convention


def award_convention_defaults(award, *, budget_lines=()) -> dict:
    """The keyword arguments of ``convention_create`` an award fills: parties, object, nature,
    imputation, dates, one yearly amount per covered year (the award shared between the years
    in proportion to the project's days in each, summing exactly to the award), the
    decision, and from the application's budget (``BudgetLine`` list) the co-financing plan
    (other 74 lines) and the planned valued volunteering (864). Reads the award and its
    application; writes nothing."""
    from backoffice.core.budget import PRIVATE_FUNDER, PUBLIC_FUNDERS, VOLUNTEERING_CHARGE

    from ._common import conf

    c = conf()
    application = getattr(award, "application", None)
    start = getattr(application, "start_date", None) or award.deliberation_date
    end = getattr(application, "end_date", None) or start.replace(month=12, day=31)
    end = max(end, start)
    cofinancing = [
        {"funder": "Aides privées" if line.funder == PRIVATE_FUNDER
         else PUBLIC_FUNDERS.get(line.funder, line.funder or "Autre financeur"),
         "amount": str(line.amount), "status": line.status or "requested"}
        for line in budget_lines
        if line.account == "74" and not line.is_this_authority and line.amount > 0]
    volunteering = sum((line.amount for line in budget_lines
                        if line.account == VOLUNTEERING_CHARGE), Decimal("0.00"))
    return {
        "authority": award.authority, "organisation": award.organisation,
        "object": getattr(application, "title", "") or str(award),
        "nature": award.nature,
        "imputation": rules.default_imputation(
            nature=award.nature, operating=c.default_imputation,
            investment=c.investment_imputation,
            fund_account=getattr(award, "budget_imputation", "")),
        "start_date": start, "end_date": end,
        "yearly_amounts": split_exact(award.amount, rules.days_per_year(start, end)),
        "decision_reference": award.deliberation_reference,
        "decision_date": award.deliberation_date,
        "cofinancing": cofinancing, "volunteering_planned": volunteering,
    }


@transaction.atomic
def convention_create_from_award(*, award, actor):
    """Create the draft convention of an award in one click, or return the one it already has.

    Invariants: one convention per award (``Convention.award`` is unique; the award row is
    locked so two clicks at the same moment create only one); only finance agents create it;
    an award to an individual (no organisation) cannot become a convention. The document kind
    follows from the amounts: a convention above €23,000 a year, otherwise a notification
    letter (loi 2000-321 art. 10, décret 2001-495)."""
    from ..permissions import can
    from .conventions import convention_create

    allowed, reason = can(actor, "convention.manage")
    if not allowed:
        raise PermissionDenied(reason)
    award = (Award.objects.select_for_update(of=("self",))
             .select_related("application__organisation", "fund__authority").get(pk=award.pk))
    existing = Convention.objects.filter(award=award).first()
    if existing is not None:
        return existing
    if award.organisation is None:
        raise ValidationError({"award": _(
            "Cette subvention a été attribuée à un habitant, sans organisation : elle ne donne "
            "pas lieu à une convention.")})
    defaults = award_convention_defaults(
        award, budget_lines=budget_lines_of(award.application))
    # Standard clauses taken from the application, for the agent to review before sending.
    reference = award.application.reference
    defaults.update(
        conditions_of_use=_(
            "La subvention finance exclusivement le projet « %(title)s » décrit dans le dossier "
            "%(ref)s ; elle ne peut être reversée à un autre organisme.")
        % {"title": award.application.title, "ref": reference},
        evaluation_terms=_(
            "L'organisation remet un bilan du projet et le compte rendu financier (CERFA "
            "n° 15059) ; les heures de bénévolat valorisées sont rattachées au projet "
            "%(ref)s puis à cette convention.") % {"ref": reference},
        keep_rule_text=_("L'organisation peut conserver un excédent raisonnable."))
    convention = convention_create(actor=actor, **defaults)
    convention.award = award
    convention.full_clean()
    convention.save(update_fields=["award"])
    entries_attach_to_convention(application_id=award.application_id, convention=convention,
                                 actor=actor)
    audit_log(event="convention_created_from_award", obj=convention, actor=actor,
              message=_("Convention créée à partir de l'attribution du dossier « %(title)s ».")
              % {"title": award.application.title},
              data={"award": award.pk, "application": award.application_id})
    return convention
