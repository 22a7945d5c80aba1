"""Template filters of the conventions pages and documents."""

from decimal import Decimal

from django import template

from backoffice.core.money import format_percent
from backoffice.core.templatetags.french import eur

register = template.Library()
register.filter("eur", eur)


@register.filter
def percent(value) -> str:
    """Decimal 50.0000 → '50 %' (French notation, no useless decimals)."""
    return format_percent(value, 4)


@register.simple_tag(takes_context=True)
def space_conventions(context) -> dict:
    """The applicant's conventions and the reports they still have to submit."""
    from django.utils import timezone

    from conventions import selectors

    user = context["request"].user
    if not user.is_authenticated:
        return {"conventions": [], "reports": [], "today": timezone.localdate()}
    from django.db.models import Prefetch

    from conventions.models import GeneratedDocument

    documents = GeneratedDocument.objects.filter(status="ready").order_by("kind", "-version")
    conventions = selectors.convention_list(user=user).prefetch_related(
        Prefetch("documents", queryset=documents, to_attr="ready_documents"))
    return {"conventions": list(conventions),
            "reports": list(selectors.reports_to_submit(user=user)),
            "today": timezone.localdate()}


@register.filter
def mul100(value):
    """A share (0.5) as a percentage number (50)."""
    return None if value in (None, "") else Decimal(str(value)) * 100


@register.filter
def funder_label(key) -> str:
    """'region' → 'Région' (the budget grid's public funders; 'prive' → private aid)."""
    from backoffice.core.budget import PRIVATE_FUNDER, PUBLIC_FUNDERS

    if key == PRIVATE_FUNDER:
        return "Aides privées"
    return PUBLIC_FUNDERS.get(key, key or "—")
