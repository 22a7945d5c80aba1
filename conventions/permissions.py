"""can(user, action, obj) -> (allowed, reason) for conventions (same shape as core).

Objects out of a user's scope never reach these rules: selectors scope querysets (→ 404)."""

from __future__ import annotations

from django.utils.translation import gettext as _

from backoffice.core.permissions import check, is_member
from backoffice.core.roles import Role


def _agent(user, obj):
    if user.has_role(Role.FINANCE_AGENT, Role.ADMINISTRATOR):
        return True, ""
    return False, _("Action réservée aux agents financiers de la collectivité.")


def _edit_draft(user, convention):
    """Editing a convention's clauses: the agents, while it is a draft (afterwards an
    amendment changes it)."""
    allowed, reason = _agent(user, convention)
    if not allowed:
        return allowed, reason
    if convention is not None and convention.status != "draft":
        return False, _("Cette convention n'est plus un brouillon (%(status)s) : ses clauses se "
                        "modifient désormais par un avenant.") % {
            "status": convention.get_status_display().lower()}
    return True, ""


def _sign(user, obj):
    """Recording a signature: the agents (paper signatures), and the authority's signatory
    (elected member or administrator) who signs electronically."""
    if user.has_role(Role.FINANCE_AGENT, Role.DECISION_MAKER, Role.ADMINISTRATOR):
        return True, ""
    return False, _("Seuls les agents financiers et le signataire de la collectivité "
                    "enregistrent une signature.")


def _staff_view(user, obj):
    if user.works_for_authority:
        return True, ""
    return False, _("Cet espace est réservé aux agents de la collectivité.")


def _view(user, convention):
    if user.works_for_authority or is_member(user, convention.organisation):
        return True, ""
    return False, _("Vous n'êtes pas membre de cette organisation.")


def _report_submit(user, report):
    if is_member(user, report.year.convention.organisation):
        return True, ""
    return False, _("Seuls les membres de l'organisation déposent son compte rendu financier.")


def _withdraw(user, convention):
    """A withdrawal for a CER breach concerns a convention under way (signed or active)."""
    allowed, reason = _agent(user, convention)
    if not allowed or convention is None:
        return allowed, reason
    if convention.status not in ("signed", "active"):
        return False, _("Seule une convention signée peut faire l'objet d'un retrait.")
    return True, ""


def _repayment_request(user, convention):
    """A repayment outside a financial report claims money paid: a convention once signed."""
    allowed, reason = _agent(user, convention)
    if not allowed or convention is None:
        return allowed, reason
    if convention.status not in ("signed", "active", "closed", "terminated"):
        return False, _("Seule une convention signée peut donner lieu à un reversement : rien "
                        "n'a été versé avant la signature.")
    return True, ""


def _recovery_step(*statuses: str):
    """A step of the contradictory procedure: the finance agents, once the step before it is
    recorded (the notice, then the decision, then the titre de recettes)."""
    def rule(user, recovery):
        allowed, reason = _agent(user, recovery)
        if not allowed or recovery is None:
            return allowed, reason
        if recovery.status not in statuses:
            return False, _("Cette étape ne suit pas l'état du recouvrement (« %(status)s »).") % {
                "status": recovery.get_status_display()}
        return True, ""
    return rule


RULES = {
    "convention.view": _view,
    "convention.list_all": _staff_view,
    "convention.manage": _agent,
    "convention.edit": _edit_draft,
    "convention.sign": _sign,
    "payment.manage": _agent,
    "report.submit": _report_submit,
    "report.review": _agent,
    "export.download": _staff_view,
    "convention.withdraw": _withdraw,
    "repayment.request": _repayment_request,
    "recovery.observations": _recovery_step("notice"),
    "recovery.decide": _recovery_step("notice", "observations"),
    "recovery.title": _recovery_step("decided"),
    "recovery.settle": _recovery_step("title"),
}


def can(user, action: str, obj=None) -> tuple[bool, str]:
    """Whether ``user`` may do ``action`` on ``obj``, and the French reason when not."""
    return check(RULES, user, action, obj)
