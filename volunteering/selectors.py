"""Reads of the volunteering app: the one place other apps get volunteer hours and values from."""

from dataclasses import dataclass
from decimal import Decimal


@dataclass(frozen=True)
class VolunteerTotals:
    hours: Decimal = Decimal("0.00")
    value: Decimal = Decimal("0.00")


def volunteer_totals(*, organisation, year=None, application=None, convention=None) -> VolunteerTotals:
    """Validated volunteer hours and their stored value for an organisation, optionally limited
    to a calendar year and/or one project (an application or a convention)."""
    return VolunteerTotals()


def valuation_rate(*, organisation, on) -> Decimal:
    """The hourly rate (€) that values one volunteer hour of ``organisation`` on date ``on``,
    following the organisation's chosen method (SMIC brut, SMIC chargé, replacement cost)."""
    raise LookupError("Aucun taux de valorisation du bénévolat n'est défini.")
