from django import template

from backoffice.core.templatetags.french import eur

register = template.Library()
register.filter("eur", eur)


@register.filter
def is_number(value) -> bool:
    return not isinstance(value, str)
