"""Template filters of the conventions pages and documents."""

from decimal import Decimal

from django import template

from backoffice.core.money import format_eur

register = template.Library()


@register.filter
def eur(value) -> str:
    """12345.6 → '12 345,60 €'."""
    if value in (None, ""):
        return "—"
    return format_eur(Decimal(str(value)))


@register.filter
def percent(value) -> str:
    """Decimal 50.0000 → '50 %' (French notation, no useless decimals)."""
    if value in (None, ""):
        return "—"
    text = f"{Decimal(str(value)).normalize():f}".replace(".", ",")
    return f"{text}\u00a0%"
