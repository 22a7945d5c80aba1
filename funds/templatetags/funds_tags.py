"""Display helpers: euros and percentages in French notation."""

from django import template

from backoffice.core.templatetags.french import eur

from .. import rules

register = template.Library()
register.filter("eur", eur)


@register.filter
def pct(value) -> str:
    return rules.percent(value) if value is not None else "—"


@register.filter
def status_tag(status: str) -> str:
    """CSS modifier of a status tag."""
    return {"awarded": "success", "eligible": "success", "info_requested": "warning",
            "draft": "", "ineligible": "danger", "rejected": "danger"}.get(status, "")


@register.filter
def funder_label(key: str) -> str:
    from backoffice.core.budget import PRIVATE_FUNDER, PUBLIC_FUNDERS

    return "Aides privées" if key == PRIVATE_FUNDER else PUBLIC_FUNDERS.get(key, key)


@register.filter
def isodate(value: str) -> str:
    """'2027-01-21' (as frozen in a version) → '21/01/2027'."""
    import datetime as dt

    try:
        return dt.date.fromisoformat(value).strftime("%d/%m/%Y")
    except (TypeError, ValueError):
        return value or "—"


@register.filter
def funder_status(value: str) -> str:
    return {"requested": "demandé", "obtained": "obtenu"}.get(value, value)


@register.filter
def rule_label(code: str) -> str:
    """The plain French name of a winner rule code."""
    from ..voting.rules import rule_label as label

    return label(code)
