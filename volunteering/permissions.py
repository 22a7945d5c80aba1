"""can(user, action, obj) -> (allowed, reason) for volunteer hours (same shape as core).

Objects out of the user's scope are 404 in selectors; these rules decide what a user in scope
may do. Members log hours; organisation admins validate, choose the method and attest; the
authority's staff read everything, and finance agents and administrators maintain the rates.
"""

from __future__ import annotations

from django.utils.translation import gettext as _

from backoffice.core.permissions import check, is_member
from backoffice.core.roles import Role


def _view(user, organisation):
    if user.works_for_authority or is_member(user, organisation):
        return True, ""
    return False, _("Vous n'êtes pas membre de cette organisation.")


def _log(user, organisation):
    if is_member(user, organisation):
        return True, ""
    return False, _("Seuls les membres de l'organisation saisissent ses heures de bénévolat.")


def _org_admin(user, organisation):
    if is_member(user, organisation, admin=True):
        return True, ""
    return False, _("Action réservée aux administrateurs de l'organisation.")


def _revalue(user, organisation):
    if is_member(user, organisation, admin=True) or user.has_role(Role.FINANCE_AGENT,
                                                                   Role.ADMINISTRATOR):
        return True, ""
    return False, _("La revalorisation est réservée aux administrateurs de l'organisation et "
                    "aux agents financiers.")


def _rates(user, obj):
    if user.has_role(Role.FINANCE_AGENT, Role.ADMINISTRATOR):
        return True, ""
    return False, _("Les taux de valorisation sont tenus par les agents financiers.")


def _entry_edit(user, entry):
    if is_member(user, entry.organisation):
        return True, ""
    return False, _("Seuls les membres de l'organisation modifient ses heures.")


RULES = {
    "volunteering.view": _view,
    "volunteering.log": _log,
    "volunteering.import": _log,
    "volunteering.validate": _org_admin,
    "volunteering.manage": _org_admin,
    "volunteering.attest": _org_admin,
    "volunteering.revalue": _revalue,
    "volunteering.rates": _rates,
    "entry.edit": _entry_edit,
}


def can(user, action: str, obj=None) -> tuple[bool, str]:
    """Whether ``user`` may do ``action`` on ``obj``, and the French reason when not."""
    return check(RULES, user, action, obj)
