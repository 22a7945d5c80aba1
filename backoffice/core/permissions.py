"""can(user, action, obj) -> (allowed, reason) for the core app (Hypha projects/permissions.py).

Pages and API call the same function; list querysets are scoped in selectors.
"""

from __future__ import annotations

from django.utils.translation import gettext as _

from .models import Membership, MembershipRole, MembershipStatus, Organisation, OrganisationDocument
from .roles import Role


def is_member(user, organisation: Organisation, *, admin: bool = False) -> bool:
    if not user.is_authenticated:
        return False
    memberships = Membership.objects.filter(
        user=user, organisation=organisation, status=MembershipStatus.ACTIVE
    )
    if admin:
        memberships = memberships.filter(role=MembershipRole.ADMIN)
    return memberships.exists()


def _organisation_view(user, obj):
    if user.works_for_authority or is_member(user, obj):
        return True, ""
    return False, _("Vous n'êtes pas membre de cette organisation.")


def _organisation_edit(user, obj):
    if user.has_role(Role.ADMINISTRATOR) or is_member(user, obj, admin=True):
        return True, ""
    return False, _("Seuls les administrateurs de l'organisation peuvent la modifier.")


def _membership_approve(user, obj: Membership):
    """A claim of an organisation without administrator is the finance agents' call; any other
    request is its administrators' (or a finance agent's)."""
    if user.has_role(Role.FINANCE_AGENT, Role.ADMINISTRATOR):
        return True, ""
    if obj.is_claim:
        return False, _("Seul un agent financier de la collectivité peut confier l'administration "
                        "d'une organisation, après vérification du justificatif.")
    if is_member(user, obj.organisation, admin=True):
        return True, ""
    return False, _("Seuls les administrateurs de l'organisation peuvent valider une demande.")


def _confirm_bank_details(user, obj):
    if user.has_role(Role.FINANCE_AGENT, Role.ADMINISTRATOR):
        return True, ""
    return False, _("Seul un agent financier peut vérifier les coordonnées bancaires.")


def _document_view(user, obj: OrganisationDocument):
    return _organisation_view(user, obj.organisation)


def _document_upload(user, obj: Organisation):
    if user.has_role(Role.ADMINISTRATOR) or is_member(user, obj):
        return True, ""
    return False, _("Seuls les membres de l'organisation peuvent déposer ses documents.")


def _agent_area(user, obj):
    if user.works_for_authority:
        return True, ""
    return False, _("Cet espace est réservé aux agents de la collectivité.")


def _admin_area(user, obj):
    if user.has_role(Role.ADMINISTRATOR):
        return True, ""
    return False, _("Action réservée aux administrateurs.")


def _reminder_view(user, obj):
    if user.works_for_authority:
        return True, ""
    return False, _("Le suivi des rappels est réservé aux agents de la collectivité.")


def _reminder_send_now(user, obj):
    if user.has_role(Role.FINANCE_AGENT, Role.INSTRUCTOR, Role.ADMINISTRATOR):
        return True, ""
    return False, _("Seuls les agents et instructeurs peuvent envoyer un rappel.")


RULES = {
    "organisation.view": _organisation_view,
    "organisation.edit": _organisation_edit,
    "organisation.manage_members": _organisation_edit,
    "organisation.confirm_bank_details": _confirm_bank_details,
    "membership.approve": _membership_approve,
    "document.view": _document_view,
    "document.upload": _document_upload,
    "agent.area": _agent_area,
    "admin.area": _admin_area,
    "reminder.view": _reminder_view,
    "reminder.send_now": _reminder_send_now,
}


def check(rules: dict, user, action: str, obj=None) -> tuple[bool, str]:
    """Apply one app's rule table: anonymous and inactive users are always refused, an action
    missing from the table is a programming error (KeyError), never a silent yes."""
    if user is None or not user.is_authenticated:
        return False, _("Vous devez être connecté.")
    if not user.is_active:
        return False, _("Ce compte est désactivé.")
    try:
        rule = rules[action]
    except KeyError as exc:
        raise KeyError(f"Unknown action {action!r}") from exc
    return rule(user, obj)


def require(can_function, user, action: str, obj=None) -> None:
    """What a service calls first: PermissionDenied with the French reason of the app's
    ``can`` unless ``user`` may do ``action`` (so a command, a task or the admin cannot go
    around the rule the pages apply)."""
    from django.core.exceptions import PermissionDenied

    allowed, reason = can_function(user, action, obj)
    if not allowed:
        raise PermissionDenied(reason)


def can(user, action: str, obj=None) -> tuple[bool, str]:
    """Whether ``user`` may do ``action`` on ``obj``, and the French reason when not."""
    return check(RULES, user, action, obj)


# Every app's rule table, by action: pages ask ``allowed`` (the ``{% can %}`` tag) which
# applies the same rule as the view behind the button, so a button is shown only when the
# view would let the user through. Apps register their table in their AppConfig.ready().
_RULE_TABLES: dict[str, dict] = {}


def rules_register(rules: dict) -> None:
    """Make an app's rule table reachable from ``allowed``; an action name is owned by one
    table only (two apps defining the same action is a programming error)."""
    for action in rules:
        owner = _RULE_TABLES.setdefault(action, rules)
        if owner is not rules:
            raise ValueError(f"Action {action!r} is defined by two rule tables")


def allowed(user, action: str, obj=None) -> tuple[bool, str]:
    """The answer of the app that owns ``action`` (unknown action: KeyError)."""
    try:
        rules = _RULE_TABLES[action]
    except KeyError as exc:
        raise KeyError(f"Unknown action {action!r}") from exc
    return check(rules, user, action, obj)


rules_register(RULES)
