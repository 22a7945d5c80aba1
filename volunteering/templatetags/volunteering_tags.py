"""Display helpers for volunteer hours: euros and hours in French notation."""

from decimal import Decimal

from django import template

from backoffice.core.templatetags.french import eur, hours

register = template.Library()
register.filter("eur", eur)
register.filter("hours", hours)


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
