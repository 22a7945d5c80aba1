"""Who may see the dashboard and the pact scorecard: the authority's staff only (finance
agents, instructors, decision makers, administrators). Associations never see them."""

from __future__ import annotations

from django.utils.translation import gettext as _

from backoffice.core.permissions import check


def _staff(user, obj=None) -> tuple[bool, str]:
    if user.is_authenticated and user.works_for_authority:
        return True, ""
    return False, _("Réservé aux agents et aux élus de la collectivité.")


RULES = {
    "dashboard.view": _staff,
    "scorecard.view": _staff,
    "scorecard.api": _staff,
}


def can(user, action: str, obj=None) -> tuple[bool, str]:
    """Whether ``user`` may do ``action`` on ``obj``, and the French reason when not."""
    return check(RULES, user, action, obj)
