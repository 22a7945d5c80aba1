from django import template

from ..services import signable

register = template.Library()


@register.filter
def esign_signable(document) -> bool:
    """Whether an agent can open the electronic signature of this generated document."""
    return signable(document)
