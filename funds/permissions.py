"""can(user, action, obj) -> (allowed, reason) for the funds app (Hypha projects/permissions.py).

Pages and API call the same map; what a user may list is scoped in selectors (out of scope → 404).
"""

from __future__ import annotations

from django.utils.translation import gettext as _

from backoffice.core.permissions import check, is_member
from backoffice.core.roles import Role


def _is_applicant(user, application) -> bool:
    if application.organisation_id:
        return is_member(user, application.organisation)
    return application.applicant_id == user.pk


def _application_view(user, application):
    if user.works_for_authority or _is_applicant(user, application):
        return True, ""
    return False, _("Ce dossier ne vous concerne pas.")


def _application_edit(user, application):
    if not _is_applicant(user, application):
        return False, _("Seuls les membres du porteur peuvent modifier ce dossier.")
    if not application.editable:
        return False, _("Ce dossier a été déposé : il ne peut plus être modifié.")
    return True, ""


def _application_applicant(user, application):
    # Membership only: whether the application can still change is the service's French
    # ValidationError (e.g. a double submission), not a permission.
    if _is_applicant(user, application):
        return True, ""
    return False, _("Seuls les membres du porteur peuvent modifier ce dossier.")


def _vote_cast(user, voter):
    if voter is not None and voter.user_id == user.pk:
        return True, ""
    return False, _("Seul le votant inscrit dépose son bulletin en ligne.")


def _review(user, obj):
    if user.has_role(Role.INSTRUCTOR, Role.ADMINISTRATOR):
        return True, ""
    return False, _("Action réservée aux instructeurs.")


def _decide(user, obj):
    if user.has_role(Role.DECISION_MAKER, Role.ADMINISTRATOR):
        return True, ""
    return False, _("Action réservée aux décideurs.")


def _call_manage(user, obj):
    if user.has_role(Role.FINANCE_AGENT, Role.INSTRUCTOR, Role.ADMINISTRATOR):
        return True, ""
    return False, _("Action réservée aux agents de la collectivité.")


def _fund_manage(user, obj):
    if user.has_role(Role.FINANCE_AGENT, Role.ADMINISTRATOR):
        return True, ""
    return False, _("La création et le paramétrage des fonds et des appels sont réservés aux "
                    "agents financiers et aux administrateurs de la collectivité.")


def _vote_manage(user, obj):
    if user.has_role(Role.FINANCE_AGENT, Role.INSTRUCTOR, Role.DECISION_MAKER,
                     Role.ADMINISTRATOR):
        return True, ""
    return False, _("Action réservée aux agents de la collectivité.")


def _agent_area(user, obj):
    if user.works_for_authority:
        return True, ""
    return False, _("Cet espace est réservé aux agents de la collectivité.")


RULES = {
    "application.view": _application_view,
    "application.edit": _application_edit,
    "application.submit": _application_edit,
    "application.apply": _application_applicant,
    "application.review": _review,
    "application.decide": _decide,
    "call.manage": _call_manage,
    "fund.manage": _fund_manage,
    "call.view_applications": _agent_area,
    "vote.manage": _vote_manage,
    "vote.paper": _call_manage,
    "vote.cast": _vote_cast,
    "vote.publish": _decide,
    "vote.stats": _agent_area,
    "vote.export": _agent_area,
}


def can(user, action: str, obj=None) -> tuple[bool, str]:
    """Whether ``user`` may do ``action`` on ``obj``, and the French reason when not."""
    return check(RULES, user, action, obj)
