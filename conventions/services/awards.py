"""What an award (funds app) brings to a new convention."""

from __future__ import annotations

from decimal import Decimal

from .. import rules


def award_convention_defaults(award, *, budget_lines=()) -> dict:
    """The keyword arguments of ``convention_create`` an award fills: parties, object, nature,
    imputation, dates, one yearly amount per covered year (the award's amount for each), the
    decision, and from the application's budget (``BudgetLine`` list) the co-financing plan
    (other 74 lines) and the planned valued volunteering (864). Reads attributes only, so the
    funds app's Award is not imported here."""
    from backoffice.core.budget import PRIVATE_FUNDER, PUBLIC_FUNDERS, VOLUNTEERING_CHARGE

    application = getattr(award, "application", None)
    start = getattr(application, "start_date", None) or award.deliberation_date
    end = getattr(application, "end_date", None) or start.replace(month=12, day=31)
    end = max(end, start)
    years = rules.calendar_years(start, end)
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
        "nature": award.nature, "imputation": getattr(award, "budget_imputation", ""),
        "start_date": start, "end_date": end,
        "yearly_amounts": [award.amount] * len(years),
        "decision_reference": award.deliberation_reference,
        "decision_date": award.deliberation_date,
        "cofinancing": cofinancing, "volunteering_planned": volunteering,
    }
