from django import template

from backoffice.core.money import format_eur

register = template.Library()


@register.filter
def eur(value) -> str:
    """12345.6 → '12 345,60 €'; '—' for None."""
    return format_eur(value)


@register.filter
def is_number(value) -> bool:
    return not isinstance(value, str)
