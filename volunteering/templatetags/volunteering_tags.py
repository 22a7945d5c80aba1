"""Display helpers for volunteer hours: euros and hours in French notation."""

from decimal import Decimal

from django import template

from backoffice.core.money import format_eur

register = template.Library()


@register.filter
def eur(value) -> str:
    """Decimal euros → '1 234,50 €'."""
    return format_eur(value)


@register.filter
def hours(value) -> str:
    """Decimal hours → '12,5 h' (no trailing zeros, decimal comma)."""
    if value is None or value == "":
        return "—"
    number = Decimal(value).quantize(Decimal("0.01")).normalize()
    text = f"{number:f}".replace(".", ",")
    units, _sep, cents = text.partition(",")
    groups = []
    while units:
        groups.insert(0, units[-3:])
        units = units[:-3]
    text = "\u202f".join(groups) + (f",{cents}" if cents else "")
    return f"{text}\u00a0h"


@register.simple_tag
def volunteering_year_totals() -> dict:
    """Counted hours and value of every organisation this year, and drafts waiting (2 queries):
    the agents' home card."""
    from django.db.models import Sum
    from django.utils import timezone

    from ..models import EntryStatus, VolunteerEntry
    from ..selectors import COUNTED

    year = timezone.localdate().year
    totals = VolunteerEntry.objects.filter(status__in=COUNTED, date__year=year).aggregate(
        hours=Sum("hours"), value=Sum("value"))
    drafts = VolunteerEntry.objects.filter(status=EntryStatus.DRAFT).count()
    return {"year": year, "hours": totals["hours"] or Decimal(0),
            "value": totals["value"] or Decimal(0), "drafts": drafts}
