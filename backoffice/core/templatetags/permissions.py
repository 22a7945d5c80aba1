"""``{% can "action" obj as allowed %}``: the page asks the rule the view applies.

Buttons and links to an action are shown only when this answers yes, so nobody is offered
a page that would refuse them.
"""

from django import template

from backoffice.core.permissions import allowed

register = template.Library()


@register.simple_tag(takes_context=True)
def can(context, action: str, obj=None) -> bool:
    request = context.get("request")
    user = getattr(request, "user", None) or context.get("user")
    return allowed(user, action, obj)[0]
