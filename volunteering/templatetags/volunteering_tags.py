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
